// Data plugin: which language a word is in, from Debian's word lists (wamerican, wfrench,
// wngerman, witalian, wspanish: /usr/share/dict). Words are lower-cased; a word found in more
// than one list is dropped. Each sample is the word's tokens — its UTF-8 bytes, or its
// characters — of its own length; a batch pads them to the longest (token 0) and gives each
// word's length as the field `length`.
#include <forge/data.hpp>

#include "bounded_lines.hpp"

#include <algorithm>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <stdexcept>

namespace {

// No word of any language is longer: a longer line means the file is no word list, and it is
// never held whole (a 100 MB line once cost 1.4 GB here).
constexpr size_t longest_word = 1024;

std::vector<forge::FlagSpec> flags() {
  return {
      forge::text_flag("dict_dir", "/usr/share/dict", "folder of word lists, one word per line"),
      forge::text_flag("languages", "american-english,french,ngerman,italian,spanish",
                       "the word lists (file names in --dict_dir), one class each"),
      forge::integer_flag("per_language", 20000, "words drawn (seeded) from each list (0: all)"),
      forge::real_flag("test_fraction", "0.2", "share of each language's words kept for test"),
      forge::text_flag("tokens", "bytes", "bytes (UTF-8 bytes) | chars (Unicode characters seen in the lists)"),
      forge::integer_flag("max_length", 32, "tokens kept of a longer word"),
      forge::bool_flag("bucket_by_length", false,
                       "train in batches of words of similar length, so less of each batch is padding"),
  };
}

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  std::string part;
  while (std::getline(in, part, ','))
    if (!part.empty()) out.push_back(part);
  return out;
}

// The word's Unicode characters as UTF-8 pieces (a malformed byte is a piece of its own).
std::vector<std::string> characters(const std::string& word) {
  std::vector<std::string> out;
  for (size_t i = 0; i < word.size();) {
    const unsigned char c = static_cast<unsigned char>(word[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 1;
    n = std::min(n, word.size() - i);
    out.push_back(word.substr(i, n));
    i += n;
  }
  return out;
}

// ASCII and Latin-1 letters lower-cased (the lists' capitals are names and sentence starts).
std::string lower(const std::string& word) {
  std::string out;
  for (size_t i = 0; i < word.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(word[i]);
    if (c >= 'A' && c <= 'Z') {
      out += char(c - 'A' + 'a');
    } else if (c == 0xC3 && i + 1 < word.size() && (static_cast<unsigned char>(word[i + 1]) & 0xE0) == 0x80 &&
               static_cast<unsigned char>(word[i + 1]) != 0x97) {
      out += char(c);
      out += char(static_cast<unsigned char>(word[++i]) | 0x20);  // À-Þ (but ×) to à-þ
    } else {
      out += char(c);
    }
  }
  return out;
}

struct Vocabulary {
  bool bytes = true;
  std::map<std::string, int64_t> ids;  // chars: each character's id, from 1 (0 pads)
  int64_t size() const { return bytes ? 257 : int64_t(ids.size()) + 1; }
};

class WordSource : public forge::Source {
 public:
  WordSource(std::vector<std::string> words, std::vector<int64_t> labels, std::shared_ptr<const Vocabulary> vocabulary,
             int64_t max_length)
      : words_(std::move(words)),
        labels_(std::move(labels)),
        vocabulary_(std::move(vocabulary)),
        max_length_(max_length) {}

  int64_t size() const override { return int64_t(words_.size()); }

  forge::Example get(int64_t index, forge::SampleContext& /*context*/) const override {
    const std::string& word = words_[size_t(index)];
    std::vector<int64_t> tokens;
    if (vocabulary_->bytes) {
      for (unsigned char c : word) tokens.push_back(int64_t(c) + 1);
    } else {
      for (const auto& c : characters(word)) tokens.push_back(vocabulary_->ids.at(c));
    }
    if (int64_t(tokens.size()) > max_length_) tokens.resize(size_t(max_length_));
    return {torch::tensor(tokens, torch::kInt64), torch::tensor(labels_[size_t(index)], torch::kInt64)};
  }

  // Words of different lengths: padded with token 0 to the batch's longest, lengths in `length`.
  forge::Batch collate(std::vector<forge::Example>& examples) const override {
    forge::pad_field(examples, "inputs", 0, "length");
    return forge::stack_examples(examples);
  }

  std::string describe(int64_t index) const override { return "word '" + words_[size_t(index)] + "'"; }

 private:
  std::vector<std::string> words_;
  std::vector<int64_t> labels_;
  std::shared_ptr<const Vocabulary> vocabulary_;
  int64_t max_length_;
};

forge::DataMap load(const forge::Flags& flags) {
  const std::vector<std::string> languages = split_list(flags.text("languages"));
  if (languages.size() < 2) throw std::invalid_argument("--languages needs at least two word lists");
  const int64_t per_language = flags.integer("per_language"), max_length = flags.integer("max_length");
  const double test_fraction = flags.real("test_fraction");
  if (per_language < 0) throw std::invalid_argument("--per_language must not be negative");
  if (max_length < 1) throw std::invalid_argument("--max_length must be at least 1");
  if (!(test_fraction > 0 && test_fraction < 1)) throw std::invalid_argument("--test_fraction must lie in (0, 1)");
  auto vocabulary = std::make_shared<Vocabulary>();
  const std::string tokens = flags.text("tokens");
  if (tokens != "bytes" && tokens != "chars") throw std::invalid_argument("--tokens must be bytes or chars");
  vocabulary->bytes = tokens == "bytes";

  // Every word, with the lists it is in.
  std::map<std::string, std::set<size_t>> found;
  for (size_t l = 0; l < languages.size(); ++l) {
    const std::string path = flags.text("dict_dir") + "/" + languages[l];
    std::ifstream in(path);
    if (!in)
      throw std::runtime_error("word list " + path + " does not exist (Debian: apt install w" + languages[l] + ")");
    std::string line;
    size_t count = 0, words = 0;  // lines read, words found
    for (text::LineRead read; (read = text::read_bounded_line(in, line, longest_word)) != text::LineRead::end;) {
      if (read == text::LineRead::too_long)
        throw std::runtime_error("word list " + path + " line " + std::to_string(count + 1) + " is longer than " +
                                 std::to_string(longest_word) + " bytes: not a list of words");
      ++count;
      if (line.empty()) continue;
      found[lower(line)].insert(l);
      ++words;
    }
    if (words == 0) throw std::runtime_error("word list " + path + " has no words");
  }
  std::vector<std::vector<std::string>> by_language(languages.size());
  for (const auto& [word, lists] : found)
    if (lists.size() == 1) by_language[*lists.begin()].push_back(word);

  std::mt19937_64 generator(uint64_t(flags.integer("seed")) ^ 0x3041d5ull);
  std::vector<std::string> train_words, test_words;
  std::vector<int64_t> train_labels, test_labels;
  for (size_t l = 0; l < languages.size(); ++l) {
    auto& words = by_language[l];
    if (words.empty()) throw std::runtime_error("every word of " + languages[l] + " is in another list too");
    std::shuffle(words.begin(), words.end(), generator);
    if (per_language > 0 && int64_t(words.size()) > per_language) words.resize(size_t(per_language));
    const size_t test = std::max<size_t>(1, size_t(std::llround(test_fraction * double(words.size()))));
    for (size_t i = 0; i < words.size(); ++i) {
      (i < test ? test_words : train_words).push_back(words[i]);
      (i < test ? test_labels : train_labels).push_back(int64_t(l));
    }
  }
  if (!vocabulary->bytes) {
    std::set<std::string> seen;
    for (const auto& words : by_language)
      for (const auto& word : words)
        for (const auto& c : characters(word)) seen.insert(c);
    for (const auto& c : seen) vocabulary->ids.emplace(c, int64_t(vocabulary->ids.size()) + 1);
  }

  forge::DataMap data;
  data.datasets["train"] =
      forge::Dataset::of(std::make_shared<WordSource>(train_words, train_labels, vocabulary, max_length));
  if (flags.boolean("bucket_by_length")) {
    std::vector<int64_t> lengths;
    for (const auto& word : train_words)
      lengths.push_back(std::min(max_length, int64_t(vocabulary->bytes ? word.size() : characters(word).size())));
    data.datasets["train"].planner = forge::length_bucketed_batches(std::move(lengths));
  }
  data.datasets["test"] =
      forge::Dataset::of(std::make_shared<WordSource>(test_words, test_labels, vocabulary, max_length));
  data.values["num_classes"] = int64_t(languages.size());
  data.values["class_names"] = languages;
  data.values["vocab_size"] = vocabulary->size();
  data.values["max_length"] = max_length;
  return data;
}

}  // namespace

FORGE_DATA_PLUGIN(flags, load)
