#pragma once

#include <optional>
#include <qpdf/QPDFObjectHandle.hh>
#include <string>

#include "pdf_text/work_budget.hpp"

namespace sealbridge::pdf {

// Type-checked reads of outside objects: qpdf warns or throws on a type mismatch, and a
// hostile file mismatches on purpose, so every read goes through a check first.
QPDFObjectHandle dict_key(QPDFObjectHandle dict, const std::string& key);
std::optional<double> number_of(QPDFObjectHandle object);
std::optional<std::string> name_of(QPDFObjectHandle object);
// A stream's decoded data, at most work_budget::kStreamBytes (more is pdf_unsupported); the
// bytes are charged to the budget. Empty when qpdf cannot decode it.
std::string stream_data(QPDFObjectHandle stream, work_budget& budget);

}  // namespace sealbridge::pdf
