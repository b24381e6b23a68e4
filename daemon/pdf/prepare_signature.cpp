#include <openssl/rand.h>
#include <unistd.h>

#include <cstdio>
#include <map>
#include <memory>
#include <set>

#include "core/error.hpp"
#include "pdf/form_fields.hpp"
#include "pdf/increment_writer.hpp"
#include "pdf/pdf_document.hpp"
#include "pdf/pdf_signer.hpp"
#include "pdf/pdf_syntax.hpp"
#include "pdf/picture_image.hpp"
#include "pdf/placement.hpp"

namespace sealbridge::pdf {
namespace {

constexpr std::size_t kMinReserve = 1024;
constexpr std::size_t kMaxReserve = 8 * 1024 * 1024;
constexpr double kMaxStampMm = 1000;
// Ten digits per number keep the /ByteRange the same length whatever the offsets are, so it
// can be patched in place before anything is hashed.
const std::string kByteRangePlaceholder = "[0 0000000000 0000000000 0000000000]";

using file_ptr = std::unique_ptr<std::FILE, decltype(&std::fclose)>;

std::string ref(QPDFObjGen og) {
  return std::to_string(og.getObj()) + " " + std::to_string(og.getGen()) + " R";
}
std::string ref(int num) {
  return std::to_string(num) + " 0 R";
}

// The dictionary as qpdf read it with some keys replaced or removed. Values are unparsed as
// they are: indirect references stay references, so nothing else gets rewritten.
std::string dict_text(QPDFObjectHandle dict, const std::map<std::string, std::string>& set,
                      const std::set<std::string>& remove = {}) {
  std::string s = "<<";
  for (const auto& key : dict.getKeys()) {
    if (set.count(key) || remove.count(key)) continue;
    s += " " + QPDFObjectHandle::newName(key).unparse() + " " + dict.getKey(key).unparse();
  }
  for (const auto& [key, value] : set)
    s += " " + QPDFObjectHandle::newName(key).unparse() + " " + value;
  return s + " >>";
}

std::string array_text_with(QPDFObjectHandle array, const std::vector<std::string>& extra) {
  std::string s = "[";
  if (array.isArray()) {
    for (int i = 0; i < array.getArrayNItems(); ++i) s += array.getArrayItem(i).unparse() + " ";
  }
  for (const auto& e : extra) s += e + " ";
  if (s.back() == ' ') s.pop_back();
  return s + "]";
}

std::string rect_text(const std::array<double, 4>& r) {
  return "[" + pdf_number(r[0]) + " " + pdf_number(r[1]) + " " + pdf_number(r[2]) + " " +
         pdf_number(r[3]) + "]";
}

// Undoes the page's clockwise /Rotate so the seal reads upright in the viewer.
std::string matrix_for(int rotate) {
  switch (rotate) {
    case 90:
      return "[0 1 -1 0 0 0]";
    case 180:
      return "[-1 0 0 -1 0 0]";
    case 270:
      return "[0 -1 1 0 0 0]";
    default:
      return "[1 0 0 1 0 0]";
  }
}

bytes random_bytes(std::size_t n) {
  bytes out(n);
  if (RAND_bytes(out.data(), static_cast<int>(n)) != 1)
    throw error(errc::internal, "RAND_bytes failed");
  return out;
}

void check_spec(const signature_spec& spec) {
  if (spec.sub_filter != "ETSI.CAdES.detached" && spec.sub_filter != "adbe.pkcs7.detached") {
    throw error(errc::bad_params, "sub_filter must be ETSI.CAdES.detached or adbe.pkcs7.detached");
  }
  if (!(spec.width_mm > 0 && spec.width_mm <= kMaxStampMm && spec.height_mm > 0 &&
        spec.height_mm <= kMaxStampMm)) {
    throw error(errc::bad_params, "stamp size must be between 0 and 1000 mm");
  }
  if (spec.contents_reserve < kMinReserve || spec.contents_reserve > kMaxReserve) {
    throw error(errc::bad_params, "contents_reserve must be between 1 KiB and 8 MiB");
  }
  if (spec.field_name.find('.') != std::string::npos) {
    throw error(errc::bad_params, "a signature field name cannot contain '.'");
  }
}

// DocMDP P=1 means the author allowed no change at all, not even a signature.
void refuse_certified_no_changes(QPDFObjectHandle catalog) {
  auto perms = catalog.getKey("/Perms");
  if (!perms.isDictionary()) return;
  auto docmdp = perms.getKey("/DocMDP");
  if (!docmdp.isDictionary()) return;
  auto refs = docmdp.getKey("/Reference");
  if (!refs.isArray()) return;
  for (int i = 0; i < refs.getArrayNItems(); ++i) {
    auto r = refs.getArrayItem(i);
    if (!r.isDictionary() || !r.getKey("/TransformMethod").isNameAndEquals("/DocMDP")) continue;
    auto params = r.getKey("/TransformParams");
    const long long p = params.isDictionary() ? int_or(params.getKey("/P"), 2) : 2;
    if (p == 1) {
      throw error(errc::pdf_unsupported,
                  "the PDF is certified with no changes allowed (DocMDP P=1)");
    }
  }
}

std::string choose_field_name(const signature_spec& spec, QPDFObjectHandle acroform) {
  std::set<std::string> taken;
  for (const auto& f : terminal_fields(acroform)) {
    // Every ancestor name counts too: "a" would clash with the parent of "a.b".
    for (std::size_t dot = f.full_name.find('.'); dot != std::string::npos;
         dot = f.full_name.find('.', dot + 1)) {
      taken.insert(f.full_name.substr(0, dot));
    }
    taken.insert(f.full_name);
  }
  if (!spec.field_name.empty()) {
    if (taken.count(spec.field_name)) {
      throw error(errc::bad_params, "a field named '" + spec.field_name + "' already exists");
    }
    return spec.field_name;
  }
  for (int n = 1;; ++n) {
    std::string name = "SealBridge_" + std::to_string(n);
    if (!taken.count(name)) return name;
  }
}

struct planned_increment {
  std::string bytes;  // the increment, /ByteRange patched
  std::array<std::uint64_t, 4> byte_range{};
  std::vector<int> pages;
};

planned_increment build_increment(source_document& doc, const signature_spec& spec,
                                  const image_xobject& img) {
  planned_increment result;
  QPDFObjectHandle catalog = doc.catalog();
  auto pages = doc.pages();
  std::vector<page_box> boxes;
  boxes.reserve(pages.size());
  for (auto& p : pages) boxes.push_back(page_box_of(p));
  const auto plans =
      plan_widgets(spec.where, spec.width_mm * kPointsPerMm, spec.height_mm * kPointsPerMm, boxes);

  refuse_certified_no_changes(catalog);
  QPDFObjectHandle acroform = catalog.getKey("/AcroForm");
  const std::string field_name = choose_field_name(spec, acroform);
  doc.check_warnings();

  const std::uint64_t base = doc.file_size() + (doc.ends_with_eol() ? 0 : 1);
  increment_writer w(base, doc.next_object_number());

  // The picture, shared by every widget (slices of a riding seal clip it).
  std::string image_entries = "/Type /XObject /Subtype /Image /Width " + std::to_string(img.width) +
                              " /Height " + std::to_string(img.height) + " /ColorSpace " +
                              img.color_space + " /BitsPerComponent 8 /Filter " + img.filter;
  if (!img.extra.empty()) image_entries += " " + img.extra;
  if (img.smask) {
    const int smask = w.allocate();
    w.add_stream(smask,
                 "/Type /XObject /Subtype /Image /Width " + std::to_string(img.width) +
                     " /Height " + std::to_string(img.height) +
                     " /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /FlateDecode",
                 *img.smask);
    image_entries += " /SMask " + ref(smask);
  }
  const int image = w.allocate();
  w.add_stream(image, image_entries, img.data);

  // The signature dictionary with its placeholders.
  const int sig = w.allocate();
  std::string sig_body = "<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter " +
                         pdf_name(spec.sub_filter) + " /M " +
                         pdf_text_string(pdf_date(spec.signing_time));
  if (!spec.name.empty()) sig_body += " /Name " + pdf_text_string(spec.name);
  if (!spec.reason.empty()) sig_body += " /Reason " + pdf_text_string(spec.reason);
  if (!spec.location.empty()) sig_body += " /Location " + pdf_text_string(spec.location);
  if (!spec.seal_name.empty() || !spec.seal_es_id.empty()) {
    sig_body += " /SealBridge_Seal << /Name " + pdf_text_string(spec.seal_name) + " /ESID " +
                pdf_text_string(spec.seal_es_id) + " >>";
  }
  sig_body += " /ByteRange " + kByteRangePlaceholder + " /Contents <" +
              std::string(spec.contents_reserve * 2, '0') + "> >>";
  const std::size_t sig_at = w.add_object(sig, 0, sig_body);
  const std::size_t byte_range_at = sig_at + sig_body.find(kByteRangePlaceholder);
  const std::size_t contents_at = sig_at + sig_body.find("/Contents <") + 10;

  // One merged field+widget. A riding seal's further slices are Stamp annotations: poppler
  // (pdfsig) reads every widget kid of a signature field as a separate unsigned signature, so
  // widgets on several pages are not an option; the stamps sit in the signed revision, so
  // removing one later shows as a change after the signature.
  const int field = w.allocate();
  std::map<int, std::vector<std::string>> new_annots;  // page index -> annotation refs
  for (std::size_t i = 0; i < plans.size(); ++i) {
    const auto& plan = plans[i];
    const int ap = w.allocate();
    const std::string content =
        "q 0 0 " + pdf_number(plan.bbox_width) + " " + pdf_number(plan.bbox_height) + " re W n " +
        pdf_number(plan.image_width) + " 0 0 " + pdf_number(plan.image_height) + " " +
        pdf_number(plan.image_x) + " 0 cm /Img Do Q\n";
    w.add_stream(ap,
                 "/Type /XObject /Subtype /Form /FormType 1 /BBox [0 0 " +
                     pdf_number(plan.bbox_width) + " " + pdf_number(plan.bbox_height) +
                     "] /Matrix " + matrix_for(plan.rotate) + " /Resources << /XObject << /Img " +
                     ref(image) + " >> /ProcSet [/PDF /ImageC] >>",
                 as_bytes(content));
    QPDFObjectHandle page = pages[static_cast<std::size_t>(plan.page_index)];
    const std::string placed = " /P " + ref(page.getObjGen()) + " /Rect " + rect_text(plan.rect) +
                               " /F 132 /AP << /N " + ref(ap) + " >>";
    if (i == 0) {
      w.add_object(field, 0,
                   "<< /Type /Annot /Subtype /Widget" + placed + " /FT /Sig /T " +
                       pdf_text_string(field_name) + " /V " + ref(sig) + " >>");
      new_annots[plan.page_index].push_back(ref(field));
    } else {
      const int stamp = w.allocate();
      w.add_object(stamp, 0,
                   "<< /Type /Annot /Subtype /Stamp" + placed + " /NM " +
                       pdf_text_string(field_name + " " + std::to_string(i + 1)) + " >>");
      new_annots[plan.page_index].push_back(ref(stamp));
    }
    result.pages.push_back(plan.page_index + 1);
  }

  // Pages: an indirect /Annots array is extended in place unless other pages share it.
  for (const auto& [index, refs] : new_annots) {
    QPDFObjectHandle page = pages[static_cast<std::size_t>(index)];
    QPDFObjectHandle annots = page.getKey("/Annots");
    bool shared = false;
    if (annots.isIndirect() && annots.isArray()) {
      int users = 0;
      for (auto other : pages) {
        auto a = other.getKey("/Annots");
        if (a.isIndirect() && a.getObjGen() == annots.getObjGen()) ++users;
      }
      shared = users > 1;
    }
    if (annots.isIndirect() && annots.isArray() && !shared) {
      w.add_object(annots.getObjGen().getObj(), annots.getObjGen().getGen(),
                   array_text_with(annots, refs));
    } else {
      w.add_object(page.getObjGen().getObj(), page.getObjGen().getGen(),
                   dict_text(page, {{"/Annots", array_text_with(annots, refs)}}));
    }
  }

  // AcroForm: keep every field, add ours, /SigFlags 3 (signatures exist, append only).
  std::map<std::string, std::string> catalog_set;
  std::set<std::string> catalog_remove;
  if (acroform.isDictionary()) {
    const long long flags = int_or(acroform.getKey("/SigFlags"), 0) | 3;
    const std::string text =
        dict_text(acroform, {{"/Fields", array_text_with(acroform.getKey("/Fields"), {ref(field)})},
                             {"/SigFlags", std::to_string(flags)}});
    if (acroform.isIndirect()) {
      w.add_object(acroform.getObjGen().getObj(), acroform.getObjGen().getGen(), text);
    } else {
      catalog_set["/AcroForm"] = text;
    }
  } else {
    const int form = w.allocate();
    w.add_object(form, 0, "<< /Fields [" + ref(field) + "] /SigFlags 3 >>");
    catalog_set["/AcroForm"] = ref(form);
  }

  // Reader-extension rights (UR3) are invalidated by any update and Acrobat Reader then
  // shows an error; dropping them leaves a plain form that every viewer handles.
  QPDFObjectHandle perms = catalog.getKey("/Perms");
  if (perms.isDictionary() && (perms.hasKey("/UR3") || perms.hasKey("/UR"))) {
    const std::set<std::string> drop{"/UR3", "/UR"};
    if (perms.isIndirect()) {
      w.add_object(perms.getObjGen().getObj(), perms.getObjGen().getGen(),
                   dict_text(perms, {}, drop));
    } else {
      bool others = false;
      for (const auto& key : perms.getKeys()) others = others || !drop.count(key);
      if (others) {
        catalog_set["/Perms"] = dict_text(perms, {}, drop);
      } else {
        catalog_remove.insert("/Perms");
      }
    }
  }
  if (!catalog_set.empty() || !catalog_remove.empty()) {
    w.add_object(catalog.getObjGen().getObj(), catalog.getObjGen().getGen(),
                 dict_text(catalog, catalog_set, catalog_remove));
  }
  doc.check_warnings();

  // Trailer: same /Root and /Info, /ID [0] kept and [1] new, /Prev the input's startxref.
  trailer_fields t;
  t.kind = doc.last_xref_kind();
  t.prev = doc.last_startxref();
  t.root = ref(catalog.getObjGen());
  QPDFObjectHandle trailer = doc.trailer();
  QPDFObjectHandle info = trailer.getKey("/Info");
  if (info.isIndirect()) {
    t.info = ref(info.getObjGen());
  } else if (info.isDictionary()) {
    t.info = info.unparse();
  }
  QPDFObjectHandle id = trailer.getKey("/ID");
  if (id.isArray() && id.getArrayNItems() >= 1 && id.getArrayItem(0).isString()) {
    const std::string first = id.getArrayItem(0).getStringValue();
    t.id0.assign(first.begin(), first.end());
  } else {
    t.id0 = random_bytes(16);
  }
  t.id1 = random_bytes(16);

  result.bytes = w.finish(t);
  const std::uint64_t total = base + result.bytes.size();
  const std::uint64_t hole_start = base + contents_at;
  const std::uint64_t hole_end = hole_start + 2 + spec.contents_reserve * 2;
  result.byte_range = {0, hole_start, hole_end, total - hole_end};
  std::string patched = "[0 " + std::to_string(hole_start) + " " + std::to_string(hole_end) + " " +
                        std::to_string(total - hole_end) + "]";
  if (patched.size() > kByteRangePlaceholder.size()) {
    throw error(errc::pdf_unsupported, "the PDF is too large for a 10-digit /ByteRange");
  }
  patched.resize(kByteRangePlaceholder.size(), ' ');
  result.bytes.replace(byte_range_at, patched.size(), patched);
  return result;
}

// Copies the input byte for byte (streamed), then the increment, into a temporary file that
// replaces `output` only when complete.
void write_output(const source_document& doc, const std::filesystem::path& output,
                  const std::string& increment) {
  const std::filesystem::path temp = output.parent_path() / ("." + output.filename().string() +
                                                             ".part-" + to_hex(random_bytes(6)));
  try {
    file_ptr in(std::fopen(doc.path().c_str(), "rb"), &std::fclose);
    if (!in) throw error(errc::io_error, "cannot open " + doc.path().filename().string());
    file_ptr out(std::fopen(temp.c_str(), "wb"), &std::fclose);
    if (!out)
      throw error(errc::io_error,
                  "cannot create the output file in " + output.parent_path().string());
    std::vector<char> buf(64 * 1024);
    std::uint64_t left = doc.file_size();
    while (left > 0) {
      const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(left, buf.size()));
      const std::size_t got = std::fread(buf.data(), 1, want, in.get());
      if (got != want) throw error(errc::io_error, "the input PDF changed while signing");
      if (std::fwrite(buf.data(), 1, got, out.get()) != got)
        throw error(errc::io_error, "write failed");
      left -= got;
    }
    if (std::fread(buf.data(), 1, 1, in.get()) != 0) {
      throw error(errc::io_error, "the input PDF changed while signing");
    }
    if (!doc.ends_with_eol() && std::fputc('\n', out.get()) == EOF)
      throw error(errc::io_error, "write failed");
    if (std::fwrite(increment.data(), 1, increment.size(), out.get()) != increment.size() ||
        std::fflush(out.get()) != 0 || ::fsync(fileno(out.get())) != 0) {
      throw error(errc::io_error, "write failed");
    }
    if (std::fclose(out.release()) != 0) throw error(errc::io_error, "write failed");
    std::error_code ec;
    std::filesystem::rename(temp, output, ec);
    if (ec) throw error(errc::io_error, "cannot rename the output file: " + ec.message());
  } catch (...) {
    std::error_code ignored;
    std::filesystem::remove(temp, ignored);
    throw;
  }
}

}  // namespace

pending_signature prepare_signature(const std::filesystem::path& input,
                                    const std::filesystem::path& output,
                                    const signature_spec& spec) {
  check_spec(spec);
  std::error_code ec;
  if (std::filesystem::exists(output, ec) && std::filesystem::equivalent(input, output, ec)) {
    throw error(errc::bad_params, "the output must not be the input file");
  }
  const image_xobject img = embed_picture(spec.image);
  source_document doc(input);
  planned_increment inc;
  with_qpdf_errors([&] { inc = build_increment(doc, spec, img); });
  write_output(doc, output, inc.bytes);
  return pending_signature(output, inc.byte_range, std::move(inc.pages));
}

}  // namespace sealbridge::pdf
