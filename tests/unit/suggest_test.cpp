#include "core/suggest.hpp"

#include <gtest/gtest.h>

namespace forge {

TEST(EditDistance, CountsInsertionsDeletionsAndSubstitutions) {
  EXPECT_EQ(edit_distance("", ""), 0u);
  EXPECT_EQ(edit_distance("abc", ""), 3u);
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
  EXPECT_EQ(edit_distance("n_hiden", "n_hidden"), 1u);
}

TEST(ClosestName, SuggestsPlausibleTypoOnly) {
  std::vector<std::string> known{"n_hidden", "epochs", "lr", "batch_size"};
  EXPECT_EQ(closest_name("n_hiden", known), "n_hidden");
  EXPECT_EQ(closest_name("epoch", known), "epochs");
  EXPECT_EQ(closest_name("batchsize", known), "batch_size");
  EXPECT_EQ(closest_name("completely_different", known), "");
}

}  // namespace forge
