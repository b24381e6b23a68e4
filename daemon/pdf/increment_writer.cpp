#include "pdf/increment_writer.hpp"

#include <cstdio>
#include <vector>

#include "core/error.hpp"

namespace sealbridge::pdf {
namespace {

std::string hex_string(byte_view b) {
  return "<" + to_hex(b) + ">";
}

// Consecutive object numbers grouped into (first, count) subsections.
std::vector<std::pair<int, int>> subsections(
    const std::map<int, std::pair<std::uint64_t, int>>& m) {
  std::vector<std::pair<int, int>> out;
  for (const auto& [num, entry] : m) {
    if (!out.empty() && out.back().first + out.back().second == num) {
      ++out.back().second;
    } else {
      out.emplace_back(num, 1);
    }
  }
  return out;
}

std::string trailer_entries(const trailer_fields& t, int size) {
  std::string s = "/Size " + std::to_string(size) + " /Root " + t.root;
  if (t.info) s += " /Info " + *t.info;
  s += " /ID [" + hex_string(t.id0) + " " + hex_string(t.id1) + "]";
  s += " /Prev " + std::to_string(t.prev);
  return s;
}

}  // namespace

increment_writer::increment_writer(std::uint64_t base_offset, int first_new_object)
    : base_(base_offset), next_(first_new_object) {}

int increment_writer::allocate() {
  return next_++;
}

std::size_t increment_writer::add_object(int num, int gen, const std::string& body) {
  if (offsets_.count(num)) throw error(errc::internal, "object written twice");
  offsets_[num] = {base_ + out_.size(), gen};
  out_ += std::to_string(num) + " " + std::to_string(gen) + " obj\n";
  const std::size_t at = out_.size();
  out_ += body;
  out_ += "\nendobj\n";
  return at;
}

std::size_t increment_writer::add_stream(int num, const std::string& dict_entries, byte_view data) {
  std::string body =
      "<< " + dict_entries + " /Length " + std::to_string(data.size()) + " >>\nstream\n";
  body.append(reinterpret_cast<const char*>(data.data()), data.size());
  body += "\nendstream";
  return add_object(num, 0, body);
}

std::string increment_writer::finish(const trailer_fields& t) {
  if (t.kind == xref_kind::table) {
    const std::uint64_t xref_at = base_ + out_.size();
    int size = next_;
    for (const auto& [num, entry] : offsets_) size = std::max(size, num + 1);
    out_ += "xref\n";
    auto it = offsets_.begin();
    for (const auto& [first, count] : subsections(offsets_)) {
      out_ += std::to_string(first) + " " + std::to_string(count) + "\n";
      for (int k = 0; k < count; ++k, ++it) {
        char line[32];
        std::snprintf(line, sizeof line, "%010llu %05d n\r\n",
                      static_cast<unsigned long long>(it->second.first), it->second.second);
        out_ += line;
      }
    }
    out_ += "trailer\n<< " + trailer_entries(t, size) + " >>\nstartxref\n" +
            std::to_string(xref_at) + "\n%%EOF\n";
    return std::move(out_);
  }

  // An xref stream lists itself, so its own number and offset go into its data.
  const int self = allocate();
  const std::uint64_t self_at = base_ + out_.size();
  offsets_[self] = {self_at, 0};
  std::uint64_t max_offset = 0;
  for (const auto& [num, entry] : offsets_) max_offset = std::max(max_offset, entry.first);
  int width = 1;
  while (width < 8 && (max_offset >> (8 * width)) != 0) ++width;
  bytes data;
  std::string index;
  for (const auto& [first, count] : subsections(offsets_)) {
    index += std::to_string(first) + " " + std::to_string(count) + " ";
    for (int n = first; n < first + count; ++n) {
      const auto& [offset, gen] = offsets_.at(n);
      data.push_back(1);
      for (int b = width - 1; b >= 0; --b)
        data.push_back(static_cast<std::uint8_t>(offset >> (8 * b)));
      data.push_back(static_cast<std::uint8_t>(gen >> 8));
      data.push_back(static_cast<std::uint8_t>(gen & 0xFF));
    }
  }
  index.pop_back();
  const int size = std::max(next_, self + 1);
  offsets_.erase(self);  // add_stream records it again at the same offset
  add_stream(self,
             "/Type /XRef " + trailer_entries(t, size) + " /W [1 " + std::to_string(width) +
                 " 2] /Index [" + index + "]",
             data);
  out_ += "startxref\n" + std::to_string(self_at) + "\n%%EOF\n";
  return std::move(out_);
}

}  // namespace sealbridge::pdf
