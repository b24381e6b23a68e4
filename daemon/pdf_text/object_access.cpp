#include "pdf_text/object_access.hpp"

#include <cmath>
#include <qpdf/Pipeline.hh>
#include <stdexcept>

namespace sealbridge::pdf {
namespace {

// Collects decoded bytes and stops at the cap, so a decompression bomb costs at most the cap.
class capped_sink : public Pipeline {
 public:
  capped_sink(std::string& out, std::size_t cap)
      : Pipeline("capped sink", nullptr), out_(out), cap_(cap) {}

  void write(unsigned char const* data, size_t len) override {
    if (len > cap_ - out_.size()) {
      overflow_ = true;
      // qpdf catches this and stops decoding; overflow_ tells us why.
      throw std::length_error("decoded stream too large");
    }
    out_.append(reinterpret_cast<const char*>(data), len);
  }
  void finish() override {}
  bool overflow() const { return overflow_; }

 private:
  std::string& out_;
  std::size_t cap_;
  bool overflow_ = false;
};

}  // namespace

QPDFObjectHandle dict_key(QPDFObjectHandle dict, const std::string& key) {
  if (dict.isStream()) dict = dict.getDict();
  if (!dict.isDictionary()) return QPDFObjectHandle::newNull();
  return dict.getKey(key);
}

std::optional<double> number_of(QPDFObjectHandle object) {
  if (!object.isNumber()) return std::nullopt;
  const double v = object.getNumericValue();
  if (!std::isfinite(v)) return std::nullopt;
  return v;
}

std::optional<std::string> name_of(QPDFObjectHandle object) {
  if (!object.isName()) return std::nullopt;
  return object.getName();
}

std::string stream_data(QPDFObjectHandle stream, work_budget& budget) {
  std::string data;
  if (!stream.isStream()) return data;
  capped_sink sink(data, work_budget::kStreamBytes);
  bool filtered = false;
  try {
    // A failed decode keeps what was decoded before the damage, as viewers show it.
    (void)stream.pipeStreamData(&sink, &filtered, 0, qpdf_dl_generalized, true);
  } catch (const std::length_error&) {
  }
  if (sink.overflow()) throw error(errc::pdf_unsupported, "content stream over the size limit");
  // Without a filter qpdf can apply, the bytes are still encoded: no text to read there.
  if (!filtered && !dict_key(stream, "/Filter").isNull()) data.clear();
  budget.spend_bytes(data.size());
  return data;
}

}  // namespace sealbridge::pdf
