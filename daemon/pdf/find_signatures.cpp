#include <map>
#include <qpdf/Buffer.hh>
#include <set>

#include "core/error.hpp"
#include "pdf/form_fields.hpp"
#include "pdf/pdf_document.hpp"
#include "pdf/pdf_signer.hpp"
#include "pdf/pdf_syntax.hpp"
#include "pdf/picture_image.hpp"

namespace sealbridge::pdf {
namespace {

constexpr int kMaxFormDepth = 4;

std::string name_of(QPDFObjectHandle value) {
  return value.isName() ? value.getName().substr(1) : std::string();
}

std::string text_of(QPDFObjectHandle value) {
  return value.isString() ? text_string_to_utf8(value.getStringValue()) : std::string();
}

// /Contents is zero padded to the reserved size: keep the DER element, by its own length.
bytes trim_der(const std::string& s) {
  bytes b(s.begin(), s.end());
  if (b.size() >= 2 && b[0] == 0x30) {
    std::size_t len = 0, header = 2;
    if (b[1] < 0x80) {
      len = b[1];
    } else {
      const std::size_t n = b[1] & 0x7F;
      if (n >= 1 && n <= 4 && b.size() >= 2 + n) {
        for (std::size_t i = 0; i < n; ++i) len = len << 8 | b[2 + i];
        header += n;
      } else {
        len = b.size();
      }
    }
    if (header + len <= b.size()) {
      b.resize(header + len);
      return b;
    }
  }
  while (!b.empty() && b.back() == 0) b.pop_back();
  return b;
}

bool is_eol(char c) {
  return c == '\r' || c == '\n';
}

void judge_coverage(const std::filesystem::path& path, std::uint64_t file_size,
                    found_signature& s) {
  const auto& br = s.byte_range;
  const std::uint64_t end = br[2] + br[3];
  if (br[0] != 0 || br[1] == 0 || br[2] <= br[1] || br[2] < br[1] + 2 || end > file_size ||
      end < br[2]) {
    return;
  }
  // The hole must be exactly the hex string of /Contents.
  const std::string lt = read_file_range(path, br[1], 1);
  const std::string gt = read_file_range(path, br[2] - 1, 1);
  if (lt != "<" || gt != ">") return;
  const std::size_t look = static_cast<std::size_t>(std::min<std::uint64_t>(end, 16));
  std::string before_end = read_file_range(path, end - look, look);
  while (!before_end.empty() && is_eol(before_end.back())) before_end.pop_back();
  if (before_end.size() < 5 || before_end.compare(before_end.size() - 5, 5, "%%EOF") != 0) return;
  s.covers_whole_revision = true;
  const std::size_t rest_size =
      static_cast<std::size_t>(std::min<std::uint64_t>(file_size - end, 3));
  const std::string rest = read_file_range(path, end, rest_size);
  bool only_eol = file_size - end <= 2;
  for (char c : rest) only_eol = only_eol && is_eol(c);
  s.covers_whole_document = only_eol;
  s.modified_after = !only_eol;
}

// The first image XObject drawn by an appearance, through nested forms.
QPDFObjectHandle first_image(QPDFObjectHandle form, int depth, std::set<QPDFObjGen>& seen) {
  if (depth > kMaxFormDepth || !form.isStream()) return QPDFObjectHandle::newNull();
  if (form.isIndirect() && !seen.insert(form.getObjGen()).second)
    return QPDFObjectHandle::newNull();
  auto xobjects = form.getDict().getKey("/Resources").getKey("/XObject");
  if (!xobjects.isDictionary()) return QPDFObjectHandle::newNull();
  for (const auto& key : xobjects.getKeys()) {
    auto x = xobjects.getKey(key);
    if (!x.isStream()) continue;
    auto subtype = x.getDict().getKey("/Subtype");
    if (subtype.isNameAndEquals("/Image")) return x;
  }
  for (const auto& key : xobjects.getKeys()) {
    auto x = xobjects.getKey(key);
    if (x.isStream() && x.getDict().getKey("/Subtype").isNameAndEquals("/Form")) {
      auto found = first_image(x, depth + 1, seen);
      if (!found.isNull()) return found;
    }
  }
  return QPDFObjectHandle::newNull();
}

int components_of(QPDFObjectHandle cs) {
  if (cs.isNameAndEquals("/DeviceRGB") || cs.isNameAndEquals("/CalRGB")) return 3;
  if (cs.isNameAndEquals("/DeviceGray") || cs.isNameAndEquals("/CalGray")) return 1;
  if (cs.isArray() && cs.getArrayNItems() >= 2 && cs.getArrayItem(0).isNameAndEquals("/ICCBased")) {
    auto n = cs.getArrayItem(1);
    if (n.isStream()) {
      const long long c = int_or(n.getDict().getKey("/N"), 0);
      if (c == 1 || c == 3) return static_cast<int>(c);
    }
  }
  return 0;
}

bytes stream_bytes(QPDFObjectHandle stream, bool decoded) {
  auto buf = decoded ? stream.getStreamData(qpdf_dl_generalized) : stream.getRawStreamData();
  return bytes(buf->getBuffer(), buf->getBuffer() + buf->getSize());
}

std::optional<picture> appearance_picture(QPDFObjectHandle widget) {
  auto ap = widget.getKey("/AP");
  if (!ap.isDictionary()) return std::nullopt;
  std::set<QPDFObjGen> seen;
  auto image = first_image(ap.getKey("/N"), 0, seen);
  if (!image.isStream()) return std::nullopt;
  auto dict = image.getDict();
  auto filter = dict.getKey("/Filter");
  if (filter.isArray() && filter.getArrayNItems() == 1) filter = filter.getArrayItem(0);
  if (filter.isNameAndEquals("/DCTDecode")) return picture{"JPG", stream_bytes(image, false)};
  if (filter.isNameAndEquals("/JPXDecode")) return picture{"JP2", stream_bytes(image, false)};
  const long long w = int_or(dict.getKey("/Width"), 0), h = int_or(dict.getKey("/Height"), 0);
  const int channels = components_of(dict.getKey("/ColorSpace"));
  if (w <= 0 || h <= 0 || w > kMaxPictureSide || h > kMaxPictureSide || w * h > kMaxPicturePixels ||
      channels == 0 || int_or(dict.getKey("/BitsPerComponent"), 0) != 8) {
    return std::nullopt;
  }
  const auto pixels = static_cast<std::size_t>(w * h);
  bytes data = stream_bytes(image, true);
  if (data.size() < pixels * static_cast<std::size_t>(channels)) return std::nullopt;
  data.resize(pixels * static_cast<std::size_t>(channels));
  bytes alpha;
  auto smask = dict.getKey("/SMask");
  if (smask.isStream() && int_or(smask.getDict().getKey("/Width"), 0) == w &&
      int_or(smask.getDict().getKey("/Height"), 0) == h &&
      int_or(smask.getDict().getKey("/BitsPerComponent"), 0) == 8) {
    alpha = stream_bytes(smask, true);
    if (alpha.size() >= pixels) {
      alpha.resize(pixels);
    } else {
      alpha.clear();
    }
  }
  return picture{"PNG",
                 encode_png(static_cast<int>(w), static_cast<int>(h), channels, data, alpha)};
}

}  // namespace

std::vector<found_signature> find_signatures(const std::filesystem::path& input) {
  source_document doc(input);
  std::vector<found_signature> out;
  auto pages = doc.pages();
  with_qpdf_errors([&] {
    std::map<QPDFObjGen, int> page_of_annot;
    std::map<QPDFObjGen, int> page_number;
    for (std::size_t i = 0; i < pages.size(); ++i) {
      page_number[pages[i].getObjGen()] = static_cast<int>(i + 1);
      auto annots = pages[i].getKey("/Annots");
      if (!annots.isArray()) continue;
      for (int k = 0; k < annots.getArrayNItems(); ++k) {
        auto a = annots.getArrayItem(k);
        if (a.isIndirect()) page_of_annot.emplace(a.getObjGen(), static_cast<int>(i + 1));
      }
    }
    for (auto& field : terminal_fields(doc.catalog().getKey("/AcroForm"))) {
      if (field.type != "Sig") continue;
      auto v = field.dict.getKey("/V");
      if (!v.isDictionary()) continue;
      found_signature s;
      s.field_name = field.full_name;
      s.sub_filter = name_of(v.getKey("/SubFilter"));
      s.name = text_of(v.getKey("/Name"));
      s.reason = text_of(v.getKey("/Reason"));
      s.location = text_of(v.getKey("/Location"));
      if (auto seal = v.getKey("/SealBridge_Seal"); seal.isDictionary()) {
        s.seal_name = text_of(seal.getKey("/Name"));
        s.seal_es_id = text_of(seal.getKey("/ESID"));
      }
      auto m = v.getKey("/M");
      if (m.isString()) s.signing_time_text = m.getStringValue();
      auto br = v.getKey("/ByteRange");
      bool range_ok = br.isArray() && br.getArrayNItems() == 4;
      for (int i = 0; range_ok && i < 4; ++i) {
        const long long n = int_or(br.getArrayItem(i), -1);
        range_ok = br.getArrayItem(i).isInteger() && n >= 0;
        if (range_ok) s.byte_range[static_cast<std::size_t>(i)] = static_cast<std::uint64_t>(n);
      }
      auto contents = v.getKey("/Contents");
      if (contents.isString()) s.contents = trim_der(contents.getStringValue());
      if (range_ok) judge_coverage(doc.path(), doc.file_size(), s);

      const auto widgets = widgets_of(field.dict);
      if (!widgets.empty()) {
        auto widget = widgets.front();
        auto p = widget.getKey("/P");
        if (p.isIndirect() && page_number.count(p.getObjGen())) {
          s.page = page_number[p.getObjGen()];
        } else if (widget.isIndirect() && page_of_annot.count(widget.getObjGen())) {
          s.page = page_of_annot[widget.getObjGen()];
        }
        auto rect = widget.getKey("/Rect");
        if (rect.isArray() && rect.getArrayNItems() == 4) {
          for (int i = 0; i < 4; ++i) {
            auto n = rect.getArrayItem(i);
            if (n.isNumber()) s.rect[static_cast<std::size_t>(i)] = n.getNumericValue();
          }
        }
        try {
          s.appearance_image = appearance_picture(widget);
        } catch (const error&) {
          s.appearance_image.reset();
        }
      }
      out.push_back(std::move(s));
    }
  });
  doc.check_warnings();
  return out;
}

}  // namespace sealbridge::pdf
