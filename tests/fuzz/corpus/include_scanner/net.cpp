#include <forge/model.hpp>
#include "a.hpp"
#include "sub/b.hpp"
#include "missing.hpp"
  #  include "a.hpp" // again
