// A reader of Python pickles that runs no code: it builds plain values (None, booleans,
// integers, floats, strings, tuples, lists, dicts) and hands every call the pickle asks for
// (REDUCE of a named global) and every persistent id to the caller, which builds what it allows
// and refuses the rest. Every length is checked against the bytes, memo references against the
// memo, and values live in one arena (indices, not pointers), so a hostile pickle can neither
// read outside its bytes, nor recurse, nor leak through a cycle. torch.save's files are such
// pickles (core/weights_file.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace forge::pickle {

enum class Kind { none, boolean, integer, real, text, tuple, list, dict, global, object };

// One value. Containers refer to their items by index into the same Values.
struct Value {
  Kind kind = Kind::none;
  int64_t integer = 0;        // boolean (0, 1), integer; object: the caller's number for it
  double real = 0;            // real
  std::string text;           // text (str and bytes alike); global: "module.name"; object: its kind
  std::vector<size_t> items;  // tuple, list; dict: key, value, key, value...
};

using Values = std::vector<Value>;

// What the caller makes of calls and persistent ids. `reduce` gets the global's "module.name"
// and the index of the argument tuple; `persistent` the index of the id. Each returns the value
// the pickle gets back (usually an object), or throws std::runtime_error saying what is refused.
struct Calls {
  std::function<Value(Values&, const std::string& global, size_t arguments)> reduce;
  std::function<Value(Values&, size_t id)> persistent;
};

// Reads one pickle from `bytes` (up to its STOP) into `values`, and returns the index of its
// result; `*used` is set to the bytes it took. Throws std::runtime_error saying what is wrong
// (an opcode this reader does not take, a truncated pickle, a bad memo reference...).
size_t read_pickle(const unsigned char* bytes, size_t size, const Calls& calls, Values& values, size_t* used);

// A short name of a value's kind, for messages ("a list", "an integer").
std::string kind_name(const Value& value);

}  // namespace forge::pickle
