#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "core/bytes.hpp"
#include "pdf/pdf_document.hpp"

// Our own writer for the appended section: qpdf only reads. It writes exactly the objects it
// is given and a cross-reference section of the same kind as the one before it.
namespace sealbridge::pdf {

struct trailer_fields {
  std::uint64_t prev = 0;           // the input's last startxref
  std::string root;                 // "12 0 R"
  std::optional<std::string> info;  // kept as the input has it
  bytes id0, id1;
  xref_kind kind = xref_kind::table;
};

class increment_writer {
 public:
  // `base_offset`: where the increment starts in the output file.
  increment_writer(std::uint64_t base_offset, int first_new_object);

  int allocate();
  // Adds "num gen obj <body> endobj". Returns the offset of `body` inside the increment.
  std::size_t add_object(int num, int gen, const std::string& body);
  // A stream object; `dict_entries` without << >> and without /Length.
  std::size_t add_stream(int num, const std::string& dict_entries, byte_view data);
  // Appends the cross-reference section and trailer; returns the whole increment.
  std::string finish(const trailer_fields& trailer);
  std::uint64_t base_offset() const { return base_; }

 private:
  std::uint64_t base_;
  int next_;
  std::string out_;
  std::map<int, std::pair<std::uint64_t, int>> offsets_;  // num -> (file offset, gen)
};

}  // namespace sealbridge::pdf
