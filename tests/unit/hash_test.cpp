#include "core/hash.hpp"

#include <gtest/gtest.h>

namespace forge {

TEST(Hash, IsSha1OfLengthPrefixedPieces) {
  // Checked with Python: hashlib.sha1(b"3:abc").hexdigest()
  EXPECT_EQ(sha1_hex("abc"), "7ac1b65bee717261fd2b947f0cc5ef99c55f3c18");
  EXPECT_NE(Hasher().add("ab").add("c").hex(), Hasher().add("a").add("bc").hex());
}

}  // namespace forge
