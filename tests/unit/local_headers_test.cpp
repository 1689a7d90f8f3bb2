#include "plugin_host/local_headers.hpp"

#include "test_support.hpp"

#include <gtest/gtest.h>
#include <boost/filesystem.hpp>

namespace forge {

TEST(LocalHeaders, FollowsQuotedIncludesRecursivelyOnce) {
  testing::TempDir dir;
  testing::write_text(dir / "net.cpp", "#include <vector>\n#include \"layers/a.hpp\"\n#include \"missing.hpp\"\n");
  testing::write_text(dir / "layers/a.hpp", "#pragma once\n#include \"b.hpp\"\n");
  testing::write_text(dir / "layers/b.hpp", "#pragma once\n#include \"a.hpp\"\n");
  auto headers = local_headers(dir / "net.cpp");
  ASSERT_EQ(headers.size(), 2u);
  EXPECT_EQ(boost::filesystem::path(headers[0]).filename(), "a.hpp");
  EXPECT_EQ(boost::filesystem::path(headers[1]).filename(), "b.hpp");
}

// Found by the include scanner fuzz target: a name no file can have threw from the filesystem.
TEST(LocalHeaders, AnIncludeNoFileCanHaveIsNotLocal) {
  testing::TempDir dir;
  testing::write_text(dir / "net.cpp", "#include \"" + std::string(300, 'a') + "\"\n");
  EXPECT_TRUE(local_headers(dir / "net.cpp").empty());
}

TEST(LinkDirectives, ReadsForgeLinkComments) {
  EXPECT_EQ(link_directives("// forge:link z\nint x;\n  //forge:link png\n"), (std::vector<std::string>{"z", "png"}));
  EXPECT_TRUE(link_directives("// forge: nothing\n").empty());
}

}  // namespace forge
