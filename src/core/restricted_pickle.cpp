#include "core/restricted_pickle.hpp"

#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <unordered_map>

namespace forge::pickle {
namespace {

// The opcodes read here: what protocols 2 to 4 write for plain data, globals, calls and
// persistent ids (torch.save writes protocol 2). The rest (INST, OBJ, NEWOBJ, EXT*, frames of
// protocol 5's out-of-band buffers...) is refused by name.
enum Op : unsigned char {
  mark = '(',
  stop = '.',
  pop = '0',
  pop_mark = '1',
  dup = '2',
  none = 'N',
  bin_int = 'J',
  bin_int1 = 'K',
  bin_int2 = 'M',
  bin_float = 'G',
  bin_unicode = 'X',
  bin_string = 'T',
  short_bin_string = 'U',
  bin_bytes = 'B',
  short_bin_bytes = 'C',
  empty_tuple = ')',
  tuple = 't',
  empty_list = ']',
  append = 'a',
  appends = 'e',
  list = 'l',
  empty_dict = '}',
  set_item = 's',
  set_items = 'u',
  dict = 'd',
  global = 'c',
  reduce = 'R',
  build = 'b',
  bin_persistent_id = 'Q',
  bin_put = 'q',
  long_bin_put = 'r',
  bin_get = 'h',
  long_bin_get = 'j',
  proto = 0x80,
  tuple1 = 0x85,
  tuple2 = 0x86,
  tuple3 = 0x87,
  new_true = 0x88,
  new_false = 0x89,
  long1 = 0x8a,
  short_bin_unicode = 0x8c,
  bin_unicode8 = 0x8d,
  stack_global = 0x93,
  memoize = 0x94,
  frame = 0x95,
};

constexpr size_t most_values = 2'000'000;

class Machine {
 public:
  Machine(const unsigned char* bytes, size_t size, const Calls& calls, Values& values)
      : bytes_(bytes), size_(size), calls_(calls), values_(values) {}

  size_t run(size_t* used) {
    for (;;) {
      const unsigned char op = take(1)[0];
      if (op == stop) {
        if (stack_.size() != 1 || !marks_.empty()) fail("STOP with " + std::to_string(stack_.size()) + " values left");
        *used = at_;
        return stack_.back();
      }
      step(op);
      if (stack_.size() > most_values || marks_.size() > most_values)
        fail("a stack deeper than a file of tensors needs");
    }
  }

 private:
  [[noreturn]] void fail(const std::string& why) const {
    throw std::runtime_error("pickle byte " + std::to_string(at_) + ": " + why);
  }

  const unsigned char* take(uint64_t count) {
    if (count > size_ - at_) fail("the pickle ends inside an opcode's argument");
    const unsigned char* start = bytes_ + at_;
    at_ += size_t(count);
    return start;
  }
  uint64_t unsigned_le(int count) {
    const unsigned char* p = take(uint64_t(count));
    uint64_t value = 0;
    for (int i = count - 1; i >= 0; --i) value = (value << 8) | p[i];
    return value;
  }
  std::string line() {
    const void* end = std::memchr(bytes_ + at_, '\n', size_ - at_);
    if (!end) fail("a GLOBAL without its newline");
    const size_t length = size_t(static_cast<const unsigned char*>(end) - (bytes_ + at_));
    std::string text(reinterpret_cast<const char*>(take(length)), length);
    take(1);
    return text;
  }

  size_t make(Value value) {
    // Memory in proportion to the pickle, and bounded: a state_dict of 100,000 tensors needs
    // about 1.5 million values; a pickle of nothing but EMPTY_TUPLEs would make one a byte.
    if (values_.size() >= most_values) fail("more than " + std::to_string(most_values) + " values: no file of tensors");
    values_.push_back(std::move(value));
    return values_.size() - 1;
  }
  void push(Value value) { stack_.push_back(make(std::move(value))); }
  size_t pop_value() {
    if (stack_.empty() || (!marks_.empty() && stack_.size() == marks_.back()))
      fail("an opcode needs a value and finds none");
    const size_t top = stack_.back();
    stack_.pop_back();
    return top;
  }
  size_t& top() {
    if (stack_.empty() || (!marks_.empty() && stack_.size() == marks_.back()))
      fail("an opcode needs a value and finds none");
    return stack_.back();
  }
  // The values above the newest mark, which is removed with them.
  std::vector<size_t> pop_to_mark() {
    if (marks_.empty()) fail("an opcode needs a MARK and finds none");
    std::vector<size_t> items(stack_.begin() + ptrdiff_t(marks_.back()), stack_.end());
    stack_.resize(marks_.back());
    marks_.pop_back();
    return items;
  }
  Value& container(size_t index, Kind kind) {
    if (values_[index].kind != kind) fail("an item added to " + kind_name(values_[index]));
    return values_[index];
  }
  void put(uint64_t key) { memo_[key] = top(); }
  void get(uint64_t key) {
    auto found = memo_.find(key);
    if (found == memo_.end()) fail("a memo reference to nothing (" + std::to_string(key) + ")");
    stack_.push_back(found->second);
  }
  void add_to_dict(size_t dict_index, const std::vector<size_t>& pairs) {
    if (pairs.size() % 2) fail("a dict given an odd number of keys and values");
    Value& dict = container(dict_index, Kind::dict);
    dict.items.insert(dict.items.end(), pairs.begin(), pairs.end());
  }
  void text_of(uint64_t length) {
    const unsigned char* p = take(length);
    Value value{Kind::text};
    value.text.assign(reinterpret_cast<const char*>(p), size_t(length));
    push(std::move(value));
  }
  void integer(int64_t n) { push(Value{Kind::integer, n}); }
  void global_named(std::string module, const std::string& name) {
    Value value{Kind::global};
    value.text = std::move(module) + "." + name;
    push(std::move(value));
  }
  void call() {
    const size_t arguments = pop_value(), callable = pop_value();
    if (values_[callable].kind != Kind::global) fail("REDUCE of " + kind_name(values_[callable]) + ", not a global");
    if (values_[arguments].kind != Kind::tuple) fail("REDUCE with " + kind_name(values_[arguments]) + " as arguments");
    const std::string name = values_[callable].text;
    push(calls_.reduce(values_, name, arguments));
  }
  void read_long1() {
    const uint64_t width = unsigned_le(1);
    if (width > 8) fail("an integer wider than 64 bits");
    if (width == 0) return integer(0);
    uint64_t bits = unsigned_le(int(width));
    if (width < 8 && (bits >> (8 * width - 1)) & 1) bits |= ~uint64_t(0) << (8 * width);  // sign-extend
    integer(int64_t(bits));
  }

  void step(unsigned char op) {
    switch (op) {
      case proto:
        take(1);
        return;
      case frame:
        take(8);
        return;  // frames only group the opcodes that follow
      case mark:
        marks_.push_back(stack_.size());
        return;
      case pop:
        pop_value();
        return;
      case pop_mark:
        pop_to_mark();
        return;
      case dup:
        stack_.push_back(top());
        return;
      case none:
        push(Value{});
        return;
      case new_true:
        push(Value{Kind::boolean, 1});
        return;
      case new_false:
        push(Value{Kind::boolean, 0});
        return;
      case bin_int:
        return integer(int64_t(int32_t(uint32_t(unsigned_le(4)))));
      case bin_int1:
        return integer(int64_t(unsigned_le(1)));
      case bin_int2:
        return integer(int64_t(unsigned_le(2)));
      case long1:
        return read_long1();
      case bin_float: {
        uint64_t bits = 0;
        for (const unsigned char* p = take(8); p != bytes_ + at_; ++p) bits = (bits << 8) | *p;  // big-endian
        Value value{Kind::real};
        std::memcpy(&value.real, &bits, sizeof bits);
        return push(std::move(value));
      }
      case short_bin_unicode:
      case short_bin_string:
      case short_bin_bytes:
        return text_of(unsigned_le(1));
      case bin_unicode:
      case bin_string:
      case bin_bytes:
        return text_of(unsigned_le(4));
      case bin_unicode8:
        return text_of(unsigned_le(8));
      case empty_tuple:
        push(Value{Kind::tuple});
        return;
      case tuple: {
        Value value{Kind::tuple};
        value.items = pop_to_mark();
        return push(std::move(value));
      }
      case tuple1:
      case tuple2:
      case tuple3: {
        Value value{Kind::tuple};
        value.items.resize(size_t(op - tuple1 + 1));
        for (auto item = value.items.rbegin(); item != value.items.rend(); ++item) *item = pop_value();
        return push(std::move(value));
      }
      case empty_list:
        push(Value{Kind::list});
        return;
      case list: {
        Value value{Kind::list};
        value.items = pop_to_mark();
        return push(std::move(value));
      }
      case append: {
        const size_t item = pop_value();
        container(top(), Kind::list).items.push_back(item);
        return;
      }
      case appends: {
        const std::vector<size_t> items = pop_to_mark();
        Value& list_value = container(top(), Kind::list);
        list_value.items.insert(list_value.items.end(), items.begin(), items.end());
        return;
      }
      case empty_dict:
        push(Value{Kind::dict});
        return;
      case dict: {
        const std::vector<size_t> pairs = pop_to_mark();
        const size_t made = make(Value{Kind::dict});
        add_to_dict(made, pairs);
        stack_.push_back(made);
        return;
      }
      case set_item: {
        const size_t value = pop_value(), key = pop_value();
        return add_to_dict(top(), {key, value});
      }
      case set_items: {
        const std::vector<size_t> pairs = pop_to_mark();
        return add_to_dict(top(), pairs);
      }
      case global: {
        std::string module = line();
        return global_named(std::move(module), line());
      }
      case stack_global: {
        const size_t name = pop_value(), module = pop_value();
        if (values_[name].kind != Kind::text || values_[module].kind != Kind::text) fail("STACK_GLOBAL of non-strings");
        return global_named(values_[module].text, values_[name].text);
      }
      case reduce:
        return call();
      case build: {
        pop_value();  // the state: a state_dict's _metadata; nothing here is built from it
        if (values_[top()].kind != Kind::dict) fail("BUILD of " + kind_name(values_[top()]));
        return;
      }
      case bin_persistent_id: {
        const size_t id = pop_value();
        return push(calls_.persistent(values_, id));
      }
      case bin_put:
        return put(unsigned_le(1));
      case long_bin_put:
        return put(unsigned_le(4));
      case memoize:
        return put(memo_.size());
      case bin_get:
        return get(unsigned_le(1));
      case long_bin_get:
        return get(unsigned_le(4));
      default: {
        char hex[8];
        std::snprintf(hex, sizeof hex, "0x%02x", op);
        fail(std::string("opcode ") + hex + ", which a file of tensors does not need");
      }
    }
  }

  const unsigned char* bytes_;
  size_t size_, at_ = 0;
  const Calls& calls_;
  Values& values_;
  std::vector<size_t> stack_, marks_;
  std::unordered_map<uint64_t, size_t> memo_;
};

}  // namespace

size_t read_pickle(const unsigned char* bytes, size_t size, const Calls& calls, Values& values, size_t* used) {
  return Machine(bytes, size, calls, values).run(used);
}

std::string kind_name(const Value& value) {
  switch (value.kind) {
    case Kind::none:
      return "None";
    case Kind::boolean:
      return "a boolean";
    case Kind::integer:
      return "an integer";
    case Kind::real:
      return "a float";
    case Kind::text:
      return "a string";
    case Kind::tuple:
      return "a tuple";
    case Kind::list:
      return "a list";
    case Kind::dict:
      return "a dict";
    case Kind::global:
      return "the global " + value.text;
    case Kind::object:
      return "a " + value.text;
  }
  return "a value";
}

}  // namespace forge::pickle
