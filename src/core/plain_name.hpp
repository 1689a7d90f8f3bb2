// Names a plugin gives that become file names or record keys (an optimizer's, an epoch image's,
// a metric table's): kept to what is safe everywhere.
#pragma once

#include <string>

namespace forge {

// 1 to 64 ASCII letters, digits, '_' and '-'.
bool is_plain_name(const std::string& name);

}  // namespace forge
