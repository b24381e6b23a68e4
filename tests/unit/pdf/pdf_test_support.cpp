#include "pdf_test_support.hpp"

#include <gif_lib.h>
#include <openssl/cms.h>
#include <png.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <qpdf/QPDF.hh>
#include <stdexcept>

#include "pdf/pdf_syntax.hpp"

namespace sealbridge::pdf::testing {
namespace {

// 1 inside the seal's ring or inner disc, else 0.
bool seal_pixel(int x, int y, int size) {
  const double c = (size - 1) / 2.0;
  const double r = std::hypot(x - c, y - c) / (size / 2.0);
  return (r > 0.80 && r < 0.97) || r < 0.45;
}

void put_le(bytes& b, std::uint32_t v, int n) {
  for (int i = 0; i < n; ++i) b.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

}  // namespace

issued make_signer(std::string_view kind, const std::string& common_name) {
  const auto now =
      std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  return sealbridge::testing::make_cert(kind, common_name, nullptr, now - std::chrono::hours(24),
                                        now + std::chrono::hours(24 * 365), false);
}

bytes sign_covered(const pending_signature& pending, const issued& signer) {
  bytes covered;
  pending.for_each_covered_chunk(
      [&](byte_view chunk) { covered.insert(covered.end(), chunk.begin(), chunk.end()); });
  BIO* in = BIO_new_mem_buf(covered.data(), static_cast<int>(covered.size()));
  CMS_ContentInfo* cms = CMS_sign(signer.cert.get(), signer.key.get(), nullptr, in,
                                  CMS_DETACHED | CMS_BINARY | CMS_NOSMIMECAP);
  BIO_free(in);
  if (!cms) throw std::runtime_error("CMS_sign failed");
  unsigned char* der = nullptr;
  const int len = i2d_CMS_ContentInfo(cms, &der);
  CMS_ContentInfo_free(cms);
  if (len <= 0) throw std::runtime_error("i2d_CMS_ContentInfo failed");
  bytes out(der, der + len);
  OPENSSL_free(der);
  return out;
}

void sign_pdf(const std::filesystem::path& in, const std::filesystem::path& out,
              const signature_spec& spec, const issued& signer) {
  auto pending = prepare_signature(in, out, spec);
  pending.finish(sign_covered(pending, signer));
}

bytes red_seal_png(int size, bool opaque) {
  bytes rgba(static_cast<std::size_t>(size * size * 4), 0);
  for (int y = 0; y < size; ++y) {
    for (int x = 0; x < size; ++x) {
      auto* p = &rgba[static_cast<std::size_t>((y * size + x) * 4)];
      if (seal_pixel(x, y, size)) {
        p[0] = 220, p[1] = 20, p[2] = 30, p[3] = 255;
      } else if (opaque) {
        p[0] = p[1] = p[2] = p[3] = 255;
      }
    }
  }
  png_image image;
  std::memset(&image, 0, sizeof image);
  image.version = PNG_IMAGE_VERSION;
  image.width = static_cast<png_uint_32>(size);
  image.height = static_cast<png_uint_32>(size);
  image.format = PNG_FORMAT_RGBA;
  png_alloc_size_t len = 0;
  png_image_write_to_memory(&image, nullptr, &len, 0, rgba.data(), 0, nullptr);
  bytes out(len);
  if (!png_image_write_to_memory(&image, out.data(), &len, 0, rgba.data(), 0, nullptr)) {
    throw std::runtime_error("png write");
  }
  out.resize(len);
  return out;
}

bytes top_half_red_png(int width, int height) {
  bytes rgba(static_cast<std::size_t>(width * height * 4), 0);
  for (int y = 0; y < height / 2; ++y) {
    for (int x = 0; x < width; ++x) {
      auto* p = &rgba[static_cast<std::size_t>((y * width + x) * 4)];
      p[0] = 220, p[1] = 20, p[2] = 30, p[3] = 255;
    }
  }
  png_image image;
  std::memset(&image, 0, sizeof image);
  image.version = PNG_IMAGE_VERSION;
  image.width = static_cast<png_uint_32>(width);
  image.height = static_cast<png_uint_32>(height);
  image.format = PNG_FORMAT_RGBA;
  png_alloc_size_t len = 0;
  png_image_write_to_memory(&image, nullptr, &len, 0, rgba.data(), 0, nullptr);
  bytes out(len);
  png_image_write_to_memory(&image, out.data(), &len, 0, rgba.data(), 0, nullptr);
  out.resize(len);
  return out;
}

bytes red_seal_bmp(int size, int bpp) {
  const int stride = (size * bpp + 31) / 32 * 4;
  bytes b{'B', 'M'};
  put_le(b, static_cast<std::uint32_t>(54 + stride * size), 4);
  put_le(b, 0, 4);
  put_le(b, 54, 4);
  put_le(b, 40, 4);
  put_le(b, static_cast<std::uint32_t>(size), 4);
  put_le(b, static_cast<std::uint32_t>(size), 4);  // bottom-up
  put_le(b, 1, 2);
  put_le(b, static_cast<std::uint32_t>(bpp), 2);
  for (int i = 0; i < 6; ++i) put_le(b, 0, 4);
  for (int row = size - 1; row >= 0; --row) {
    bytes line;
    for (int x = 0; x < size; ++x) {
      const bool red = seal_pixel(x, row, size);
      line.push_back(red ? 30 : 255);
      line.push_back(red ? 20 : 255);
      line.push_back(red ? 220 : 255);
      if (bpp == 32) line.push_back(0);
    }
    line.resize(static_cast<std::size_t>(stride), 0);
    b.insert(b.end(), line.begin(), line.end());
  }
  return b;
}

namespace {
int gif_write(GifFileType* gif, const GifByteType* data, int len) {
  auto* out = static_cast<bytes*>(gif->UserData);
  out->insert(out->end(), data, data + len);
  return len;
}
}  // namespace

bytes red_seal_gif(int size) {
  bytes out;
  int err = 0;
  GifFileType* gif = EGifOpen(&out, gif_write, &err);
  if (!gif) throw std::runtime_error("EGifOpen");
  GifColorType colors[2] = {{255, 255, 255}, {220, 20, 30}};
  ColorMapObject* map = GifMakeMapObject(2, colors);
  EGifSetGifVersion(gif, true);
  EGifPutScreenDesc(gif, size, size, 1, 0, map);
  GraphicsControlBlock gcb{};
  gcb.TransparentColor = 0;
  gcb.DisposalMode = DISPOSAL_UNSPECIFIED;
  GifByteType ext[4];
  const std::size_t n = EGifGCBToExtension(&gcb, ext);
  EGifPutExtension(gif, GRAPHICS_EXT_FUNC_CODE, static_cast<int>(n), ext);
  EGifPutImageDesc(gif, 0, 0, size, size, false, nullptr);
  std::vector<GifPixelType> line(static_cast<std::size_t>(size));
  for (int y = 0; y < size; ++y) {
    for (int x = 0; x < size; ++x)
      line[static_cast<std::size_t>(x)] = seal_pixel(x, y, size) ? 1 : 0;
    EGifPutLine(gif, line.data(), size);
  }
  EGifCloseFile(gif, &err);
  GifFreeMapObject(map);
  return out;
}

std::filesystem::path sample_pdf(const std::string& name) {
  return std::filesystem::path(SEALBRIDGE_SAMPLES_DIR) / "pdf" / name;
}

std::vector<std::string> all_sample_pdfs() {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(sample_pdf(""))) {
    if (e.path().extension() == ".pdf") out.push_back(e.path().filename().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

pdfsig_result run_pdfsig(const std::filesystem::path& pdf) {
  pdfsig_result r;
  sealbridge::testing::run("pdfsig '" + pdf.string() + "' 2>&1", &r.output);
  for (std::size_t at = 0; (at = r.output.find("Signature #", at)) != std::string::npos; ++at) {
    ++r.signatures;
  }
  for (std::size_t at = 0; (at = r.output.find("Signature is Valid.", at)) != std::string::npos;
       ++at) {
    ++r.valid;
  }
  for (std::size_t at = 0; (at = r.output.find("field is not signed", at)) != std::string::npos;
       ++at) {
    ++r.unsigned_fields;
  }
  return r;
}

bool qpdf_check_clean(const std::filesystem::path& pdf, std::string* output) {
  std::string out;
  const int rc = sealbridge::testing::run("qpdf --check '" + pdf.string() + "' 2>&1", &out);
  if (output) *output = out;
  return rc == 0 && out.find("WARNING") == std::string::npos &&
         out.find("No syntax or stream encoding errors found") != std::string::npos;
}

std::set<std::string> qpdf_field_names(const std::filesystem::path& pdf) {
  std::string out;
  sealbridge::testing::run("qpdf --json --json-key=acroform '" + pdf.string() + "'", &out);
  std::set<std::string> names;
  const auto j = nlohmann::json::parse(out);
  for (const auto& f : j.at("acroform").at("fields"))
    names.insert(f.at("fullname").get<std::string>());
  return names;
}

std::set<std::string> top_level_field_names(const std::filesystem::path& pdf) {
  QPDF q;
  q.setSuppressWarnings(true);
  q.processFile(pdf.c_str());
  std::set<std::string> names;
  auto fields = q.getRoot().getKey("/AcroForm").getKey("/Fields");
  if (!fields.isArray()) return names;
  for (int i = 0; i < fields.getArrayNItems(); ++i) {
    auto t = fields.getArrayItem(i).getKey("/T");
    names.insert(t.isString() ? text_string_to_utf8(t.getStringValue()) : std::string("<no /T>"));
  }
  return names;
}

rendered_page render_page(const std::filesystem::path& pdf, int page, int dpi) {
  const auto dir = sealbridge::testing::fresh_temp_dir("sb-render");
  const auto base = dir / "page";
  const std::string cmd = "pdftoppm -r " + std::to_string(dpi) + " -f " + std::to_string(page) +
                          " -l " + std::to_string(page) + " -singlefile -png '" + pdf.string() +
                          "' '" + base.string() + "' 2>/dev/null";
  if (sealbridge::testing::run(cmd) != 0) throw std::runtime_error("pdftoppm failed");
  const bytes png = read_bytes(base.string() + ".png");
  std::filesystem::remove_all(dir);
  png_image image;
  std::memset(&image, 0, sizeof image);
  image.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_memory(&image, png.data(), png.size()))
    throw std::runtime_error("png");
  image.format = PNG_FORMAT_RGB;
  rendered_page r;
  r.width = static_cast<int>(image.width);
  r.height = static_cast<int>(image.height);
  r.rgb.resize(PNG_IMAGE_SIZE(image));
  if (!png_image_finish_read(&image, nullptr, r.rgb.data(), 0, nullptr))
    throw std::runtime_error("png");
  return r;
}

double red_fraction(const rendered_page& page, int x0, int y0, int x1, int y1) {
  x0 = std::clamp(x0, 0, page.width);
  x1 = std::clamp(x1, 0, page.width);
  y0 = std::clamp(y0, 0, page.height);
  y1 = std::clamp(y1, 0, page.height);
  long red = 0, total = 0;
  for (int y = y0; y < y1; ++y) {
    for (int x = x0; x < x1; ++x) {
      const auto* p = &page.rgb[static_cast<std::size_t>((y * page.width + x) * 3)];
      if (p[0] > 150 && p[1] < 110 && p[2] < 110) ++red;
      ++total;
    }
  }
  return total ? static_cast<double>(red) / static_cast<double>(total) : 0.0;
}

std::string minimal_pdf(const std::string& catalog_extra, const std::string& extra_objects) {
  std::string out = "%PDF-1.4\n";
  std::vector<std::size_t> offsets;
  auto obj = [&](const std::string& body) {
    offsets.push_back(out.size());
    out += std::to_string(offsets.size()) + " 0 obj\n" + body + "\nendobj\n";
  };
  obj("<< /Type /Catalog /Pages 2 0 R " + catalog_extra + " >>");
  obj("<< /Type /Pages /Kids [3 0 R] /Count 1 >>");
  obj("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>");
  const std::string content = "0 0 1 rg 50 700 200 100 re f\n";
  obj("<< /Length " + std::to_string(content.size()) + " >>\nstream\n" + content + "endstream");
  if (!extra_objects.empty()) obj(extra_objects);
  const std::size_t xref = out.size();
  out += "xref\n0 " + std::to_string(offsets.size() + 1) + "\n0000000000 65535 f \n";
  for (auto o : offsets) {
    char line[32];
    std::snprintf(line, sizeof line, "%010zu 00000 n \n", o);
    out += line;
  }
  out += "trailer\n<< /Size " + std::to_string(offsets.size() + 1) +
         " /Root 1 0 R >>\nstartxref\n" + std::to_string(xref) + "\n%%EOF\n";
  return out;
}

bytes read_bytes(const std::filesystem::path& p) {
  return sealbridge::testing::read_file(p);
}

void write_bytes(const std::filesystem::path& p, std::string_view data) {
  std::ofstream f(p, std::ios::binary);
  f.write(data.data(), static_cast<std::streamsize>(data.size()));
}

}  // namespace sealbridge::pdf::testing
