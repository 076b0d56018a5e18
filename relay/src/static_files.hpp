#pragma once
// Serves the built web UI from one folder. Requests can only reach regular
// files below that folder: '..' or '.' segments (also percent-encoded), encoded
// slashes or backslashes, NUL, leftover '%' after decoding (double encoding)
// are refused, and the canonical path must stay under the canonical root, so
// symlinks cannot lead out either.

#include <filesystem>
#include <string>
#include <string_view>

#include "roomchat/result.hpp"

namespace roomchat::relay {

struct static_file {
    std::string body;
    std::string content_type;
};

enum class static_miss {
    bad_path,   // refused before touching the file system
    not_found,  // no regular file there
};

class static_files {
public:
    explicit static_files(std::filesystem::path root);

    // `path` is the request path as sent, still percent-encoded, without query.
    result<static_file, static_miss> get(std::string_view path) const;

    const std::filesystem::path& root() const noexcept { return root_; }

private:
    std::filesystem::path root_;  // canonical when it exists
};

// Content-Type for a file name by extension, with charset for text.
std::string_view content_type_for(const std::filesystem::path& file);

}  // namespace roomchat::relay
