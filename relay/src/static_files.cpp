#include "static_files.hpp"

#include <algorithm>
#include <array>
#include <fstream>
#include <optional>
#include <system_error>
#include <utility>

#include "url.hpp"

namespace fs = std::filesystem;

namespace roomchat::relay {
namespace {

std::optional<fs::path> safe_relative_path(std::string_view path) {
    if (path.empty() || path.front() != '/') return std::nullopt;
    fs::path relative;
    path.remove_prefix(1);
    while (true) {
        const auto slash = path.find('/');
        const std::string_view raw = path.substr(0, slash);
        const auto segment = percent_decode(raw);
        if (!segment) return std::nullopt;
        if (*segment == "." || *segment == ".." ||
            segment->find_first_of(std::string_view("/\\%\0", 4)) != std::string::npos) {
            return std::nullopt;
        }
        if (!segment->empty()) relative /= *segment;
        if (slash == std::string_view::npos) break;
        path.remove_prefix(slash + 1);
    }
    return relative;
}

bool is_within(const fs::path& root, const fs::path& candidate) {
    const auto [root_end, candidate_it] =
        std::mismatch(root.begin(), root.end(), candidate.begin(), candidate.end());
    (void)candidate_it;
    return root_end == root.end();
}

std::optional<std::string> read_file(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) return std::nullopt;
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

}  // namespace

std::string_view content_type_for(const fs::path& file) {
    static constexpr std::array<std::pair<std::string_view, std::string_view>, 13> types{{
        {".html", "text/html; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".mjs", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".wasm", "application/wasm"},
        {".json", "application/json"},
        {".map", "application/json"},
        {".txt", "text/plain; charset=utf-8"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".ico", "image/x-icon"},
        {".woff2", "font/woff2"},
        {".webmanifest", "application/manifest+json"},
    }};
    const std::string extension = file.extension().string();
    for (const auto& [ext, type] : types) {
        if (ext == extension) return type;
    }
    return "application/octet-stream";
}

static_files::static_files(fs::path root) : root_(std::move(root)) {
    std::error_code ec;
    auto canonical = fs::weakly_canonical(root_, ec);
    if (!ec) root_ = std::move(canonical);
    // "site/" would leave an empty last element that no file path shares.
    if (root_.filename().empty()) root_ = root_.parent_path();
}

result<static_file, static_miss> static_files::get(std::string_view path) const {
    const auto relative = safe_relative_path(path);
    if (!relative) return static_miss::bad_path;

    std::error_code ec;
    fs::path file = root_ / *relative;
    if (fs::is_directory(file, ec)) file /= "index.html";
    file = fs::weakly_canonical(file, ec);
    if (ec || !is_within(root_, file)) return static_miss::not_found;
    if (!fs::is_regular_file(file, ec)) return static_miss::not_found;

    auto body = read_file(file);
    if (!body) return static_miss::not_found;
    return static_file{std::move(*body), std::string(content_type_for(file))};
}

}  // namespace roomchat::relay
