// Reading a text file line by line without trusting it: a line is kept only up to a cap, so
// one line of 100 MB (a file that is not what its name says) never costs more than the cap in
// memory — the words and lines plugins' reader.
#pragma once

#include <istream>
#include <string>

namespace text {

enum class LineRead { line, end, too_long };

// Reads the next line of `in` into `line`, without its '\n' (and a '\r' before it). A line
// longer than `cap` bytes is read to its end but not kept: the result is too_long and `line`
// is empty. At the end of the input: end.
inline LineRead read_bounded_line(std::istream& in, std::string& line, size_t cap) {
  line.clear();
  std::streambuf* buffer = in.rdbuf();
  bool any = false, too_long = false;
  for (int c; (c = buffer->sbumpc()) != std::char_traits<char>::eof();) {
    any = true;
    if (c == '\n') break;
    if (too_long) continue;
    if (line.size() > cap) {  // one byte past the cap kept: a '\r' that ends the line may follow
      too_long = true;
      line.clear();
      line.shrink_to_fit();
      continue;
    }
    line.push_back(char(c));
  }
  if (!any) return LineRead::end;
  if (!too_long && !line.empty() && line.back() == '\r') line.pop_back();
  if (too_long || line.size() > cap) {
    line.clear();
    return LineRead::too_long;
  }
  return LineRead::line;
}

}  // namespace text
