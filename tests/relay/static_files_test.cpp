#include "static_files.hpp"

#include <fstream>
#include <unistd.h>

#include <gtest/gtest.h>

namespace roomchat::relay {
namespace {

namespace fs = std::filesystem;

class static_files_test : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("roomchat-static-" + std::to_string(::getpid()));
        fs::remove_all(dir_);
        fs::create_directories(dir_ / "site" / "sub");
        std::ofstream(dir_ / "site" / "index.html") << "home";
        std::ofstream(dir_ / "site" / "sub" / "index.html") << "sub home";
        std::ofstream(dir_ / "site" / "a b.txt") << "spaced";
        std::ofstream(dir_ / "outside.txt") << "secret";
        fs::create_symlink(dir_ / "outside.txt", dir_ / "site" / "link.txt");
    }
    void TearDown() override { fs::remove_all(dir_); }

    result<static_file, static_miss> get(std::string_view path) const {
        return static_files(dir_ / "site").get(path);
    }
    fs::path dir_;
};

TEST_F(static_files_test, serves_files_and_directory_indexes) {
    EXPECT_EQ(get("/")->body, "home");
    EXPECT_EQ(get("/sub/")->body, "sub home");
    EXPECT_EQ(get("/sub")->body, "sub home");
    EXPECT_EQ(get("/a%20b.txt")->body, "spaced");
    EXPECT_EQ(get("/index.html")->content_type, "text/html; charset=utf-8");
}

TEST_F(static_files_test, refuses_traversal_in_every_encoding) {
    for (const char* path :
         {"/../outside.txt", "/sub/../../outside.txt", "/%2e%2e/outside.txt", "/.%2E/outside.txt",
          "/sub%2f..%2f..%2foutside.txt", "/%252e%252e/outside.txt", "/..%5coutside.txt",
          "/sub\\..\\..\\outside.txt", "/index.html%00", "/./index.html", "relative", "/%zz"}) {
        SCOPED_TRACE(path);
        ASSERT_FALSE(get(path).ok());
        EXPECT_EQ(get(path).error(), static_miss::bad_path);
    }
}

TEST_F(static_files_test, symlinks_out_of_the_root_are_not_followed) {
    ASSERT_FALSE(get("/link.txt").ok());
    EXPECT_EQ(get("/link.txt").error(), static_miss::not_found);
    EXPECT_EQ(get("/missing.txt").error(), static_miss::not_found);
}

TEST(content_type, knows_the_web_uis_file_types) {
    EXPECT_EQ(content_type_for("roomchat.wasm"), "application/wasm");
    EXPECT_EQ(content_type_for("roomchat.js"), "text/javascript; charset=utf-8");
    EXPECT_EQ(content_type_for("app.mjs"), "text/javascript; charset=utf-8");
    EXPECT_EQ(content_type_for("style.css"), "text/css; charset=utf-8");
    EXPECT_EQ(content_type_for("blob.bin"), "application/octet-stream");
}

}  // namespace
}  // namespace roomchat::relay
