#pragma once

#include <map>
#include <memory>
#include <qpdf/QPDFObjGen.hh>
#include <qpdf/QPDFObjectHandle.hh>
#include <string>
#include <vector>

#include "pdf_text/pdf_font.hpp"
#include "pdf_text/placed_glyph.hpp"
#include "pdf_text/work_budget.hpp"

namespace sealbridge::pdf {

// An affine map [a b c d e f] in PDF's row-vector convention: p' = p × M.
struct matrix {
  double a = 1, b = 0, c = 0, d = 1, e = 0, f = 0;

  // This map followed by `then`.
  matrix then(const matrix& next) const;
  point apply(point p) const { return {a * p.x + c * p.y + e, b * p.x + d * p.y + f}; }
};

// Interprets the text operators of content streams (with their Form XObjects) and lists
// every glyph shown, in content order, placed in default user space.
class content_reader {
 public:
  explicit content_reader(work_budget& budget) : budget_(budget) {}

  // Reads a page: its decoded content and its (possibly inherited) resources.
  std::vector<placed_glyph> read_page(const std::string& content, QPDFObjectHandle resources);

 private:
  struct text_state {
    const pdf_font* font = nullptr;
    double size = 0, char_spacing = 0, word_spacing = 0, scale = 1, leading = 0, rise = 0;
  };
  struct graphics_state {
    matrix ctm;
    text_state text;
  };
  struct operand;

  void run(const std::string& content, QPDFObjectHandle resources, int depth);
  void execute(const std::string& op, std::vector<operand>& operands, QPDFObjectHandle resources,
               int depth);
  void show(const std::string& bytes);
  void move_text(double tx, double ty);
  void select_font(QPDFObjectHandle resources, const std::string& name);
  void draw_form(QPDFObjectHandle resources, const std::string& name, int depth);

  work_budget& budget_;
  std::vector<placed_glyph> glyphs_;
  graphics_state state_;
  std::vector<graphics_state> saved_;
  std::size_t q_floor_ = 0;  // a form's Q cannot restore states saved outside it
  matrix text_matrix_, line_matrix_;
  std::map<QPDFObjGen, std::unique_ptr<pdf_font>> fonts_;
  std::vector<std::unique_ptr<pdf_font>> direct_fonts_;
  std::vector<QPDFObjGen> open_forms_;
};

}  // namespace sealbridge::pdf
