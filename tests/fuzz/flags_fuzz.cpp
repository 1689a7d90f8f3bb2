// forge's flag parser on any command line and any config file: the first byte chooses which
// (0: command line, NUL-separated arguments; else: a config file). A forge error or flags,
// never a crash.
#include "app/train_flags.hpp"
#include "core/flag_set.hpp"
#include "fuzz_support.hpp"

#include <forge/error.hpp>

#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  static const forge::FlagSet set = forge::forge_flag_set();
  try {
    if (data[0] == 0) {
      std::vector<std::string> args{""};
      for (size_t i = 1; i < size; ++i) {
        if (data[i] == 0)
          args.emplace_back();
        else
          args.back().push_back(char(data[i]));
      }
      set.parse(args);
    } else {
      set.parse({}, forge::fuzz::write_input("flags.cfg", data + 1, size - 1));
    }
  } catch (const forge::Error&) {
  }
  return 0;
}
