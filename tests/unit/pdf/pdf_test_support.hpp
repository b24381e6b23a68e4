#pragma once

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "../crypto/test_certs.hpp"
#include "core/bytes.hpp"
#include "pdf/pdf_signer.hpp"

// Helpers for the PDF signer tests: a software signer, seal pictures, outside tools.
namespace sealbridge::pdf::testing {

using sealbridge::testing::issued;

// A self-signed certificate for a fresh key ("RSA" or "P-256").
issued make_signer(std::string_view kind, const std::string& common_name);

// A detached CMS (OpenSSL CMS_sign, SHA-256) over the covered bytes of `pending`.
bytes sign_covered(const pending_signature& pending, const issued& signer);

// prepare + sign + finish in one go.
void sign_pdf(const std::filesystem::path& in, const std::filesystem::path& out,
              const signature_spec& spec, const issued& signer);

// A red round seal (ring + disc) on a transparent background, `size` pixels square.
bytes red_seal_png(int size = 200, bool opaque = false);
// Top half red, bottom half transparent: shows whether a stamp is upright.
bytes top_half_red_png(int width, int height);
// Same seal as an uncompressed bottom-up 24-bit or 32-bit BMP.
bytes red_seal_bmp(int size, int bpp);
// Same seal as a GIF with a transparent index (written with giflib).
bytes red_seal_gif(int size);

std::filesystem::path sample_pdf(const std::string& name);
std::vector<std::string> all_sample_pdfs();

struct pdfsig_result {
  int signatures = 0;
  int valid = 0;
  int unsigned_fields = 0;  // empty signature fields pdfsig lists too
  std::string output;
};
pdfsig_result run_pdfsig(const std::filesystem::path& pdf);
// qpdf --check: exit status 0 and no warning.
bool qpdf_check_clean(const std::filesystem::path& pdf, std::string* output = nullptr);
// Full names of the fields qpdf --json lists in the AcroForm.
std::set<std::string> qpdf_field_names(const std::filesystem::path& pdf);
// /T of the entries of the catalog's /AcroForm /Fields as read by the qpdf library.
std::set<std::string> top_level_field_names(const std::filesystem::path& pdf);

// Renders one page at `dpi` with pdftoppm; returns RGB rows, top-down.
struct rendered_page {
  int width = 0, height = 0;
  bytes rgb;
};
rendered_page render_page(const std::filesystem::path& pdf, int page, int dpi);
// Fraction of pixels in the box (pixels, visible page) that are seal red.
double red_fraction(const rendered_page& page, int x0, int y0, int x1, int y1);

// A minimal one-page PDF with a classic xref table; `catalog_extra` goes into the catalog.
std::string minimal_pdf(const std::string& catalog_extra = {},
                        const std::string& extra_objects = {});

bytes read_bytes(const std::filesystem::path& p);
void write_bytes(const std::filesystem::path& p, std::string_view data);

}  // namespace sealbridge::pdf::testing
