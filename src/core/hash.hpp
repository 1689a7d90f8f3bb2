// Content hashes for the plugin cache and the run record: SHA-1, printed as 40 hex digits.
#pragma once

#include <memory>
#include <string>

namespace forge {

class Hasher {
 public:
  Hasher();
  ~Hasher();
  Hasher& add(const std::string& bytes);
  std::string hex();  // finishes the hash; add() must not be called afterwards

 private:
  struct State;
  std::unique_ptr<State> state_;
};

std::string sha1_hex(const std::string& bytes);
std::string sha1_of_file(const std::string& path);

}  // namespace forge
