#include "pdf_maker.hpp"

#include <cstdio>
#include <random>
#include <vector>

namespace sealbridge::bench {

std::string make_large_pdf(std::size_t size) {
  // A grey image whose samples fill the file: width x height bytes.
  std::size_t width = 4096;
  std::size_t height = size / width + 1;
  std::string samples(width * height, '\0');
  std::mt19937_64 random(38540);
  for (std::size_t i = 0; i + 8 <= samples.size(); i += 8) {
    auto value = random();
    for (int b = 0; b < 8; ++b)
      samples[i + static_cast<std::size_t>(b)] = static_cast<char>(value >> (8 * b));
  }

  std::string pdf = "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n";
  std::vector<std::size_t> offsets;
  auto object = [&](const std::string& body) {
    offsets.push_back(pdf.size());
    pdf += std::to_string(offsets.size()) + " 0 obj\n" + body + "\nendobj\n";
  };
  object("<< /Type /Catalog /Pages 2 0 R >>");
  object("<< /Type /Pages /Kids [3 0 R] /Count 1 >>");
  object(
      "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
      "/Resources << /XObject << /Im1 5 0 R >> >> >>");
  std::string content = "q 595 0 0 842 0 0 cm /Im1 Do Q";
  object("<< /Length " + std::to_string(content.size()) + " >>\nstream\n" + content +
         "\nendstream");
  object("<< /Type /XObject /Subtype /Image /Width " + std::to_string(width) + " /Height " +
         std::to_string(height) + " /ColorSpace /DeviceGray /BitsPerComponent 8 /Length " +
         std::to_string(samples.size()) + " >>\nstream\n" + samples + "\nendstream");

  auto xref = pdf.size();
  pdf += "xref\n0 " + std::to_string(offsets.size() + 1) + "\n0000000000 65535 f \n";
  for (auto offset : offsets) {
    char line[32];
    std::snprintf(line, sizeof line, "%010zu 00000 n \n", offset);
    pdf += line;
  }
  pdf += "trailer\n<< /Size " + std::to_string(offsets.size() + 1) +
         " /Root 1 0 R >>\nstartxref\n" + std::to_string(xref) + "\n%%EOF\n";
  return pdf;
}

}  // namespace sealbridge::bench
