#include "core/hash.hpp"

#include "core/atomic_file.hpp"

#include <boost/uuid/detail/sha1.hpp>

#include <cstdio>

namespace forge {

struct Hasher::State {
  boost::uuids::detail::sha1 sha1;
};

Hasher::Hasher() : state_(std::make_unique<State>()) {}
Hasher::~Hasher() = default;

Hasher& Hasher::add(const std::string& bytes) {
  // Length-prefix each piece so ("ab","c") and ("a","bc") hash differently.
  std::string length = std::to_string(bytes.size()) + ":";
  state_->sha1.process_bytes(length.data(), length.size());
  state_->sha1.process_bytes(bytes.data(), bytes.size());
  return *this;
}

std::string Hasher::hex() {
  boost::uuids::detail::sha1::digest_type digest;
  state_->sha1.get_digest(digest);
  std::string out;
  char buffer[9];
  for (unsigned word : digest) {
    std::snprintf(buffer, sizeof buffer, "%08x", word);
    out += buffer;
  }
  return out;
}

std::string sha1_hex(const std::string& bytes) { return Hasher().add(bytes).hex(); }

std::string sha1_of_file(const std::string& path) { return sha1_hex(read_file(path)); }

}  // namespace forge
