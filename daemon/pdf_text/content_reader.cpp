#include "pdf_text/content_reader.hpp"

#include <algorithm>
#include <cmath>
#include <qpdf/BufferInputSource.hh>
#include <qpdf/QPDFTokenizer.hh>

#include "pdf_text/object_access.hpp"

namespace sealbridge::pdf {
namespace {

constexpr std::size_t kMaxOperands = 4096;
constexpr std::size_t kMaxSavedStates = 1024;
constexpr std::size_t kMaxFonts = 4096;

double length(point v) {
  return std::hypot(v.x, v.y);
}
point minus(point a, point b) {
  return {a.x - b.x, a.y - b.y};
}

bool finite(const matrix& m) {
  return std::isfinite(m.a) && std::isfinite(m.b) && std::isfinite(m.c) && std::isfinite(m.d) &&
         std::isfinite(m.e) && std::isfinite(m.f);
}

}  // namespace

matrix matrix::then(const matrix& n) const {
  return {a * n.a + b * n.c, a * n.b + b * n.d,       c * n.a + d * n.c,
          c * n.b + d * n.d, e * n.a + f * n.c + n.e, e * n.b + f * n.d + n.f};
}

struct content_reader::operand {
  QPDFTokenizer::token_type_e type;
  double number = 0;
  std::string bytes;           // string value or name
  std::vector<operand> items;  // top-level items of an array
};

std::vector<placed_glyph> content_reader::read_page(const std::string& content,
                                                    QPDFObjectHandle resources) {
  glyphs_.clear();
  state_ = {};
  saved_.clear();
  q_floor_ = 0;
  text_matrix_ = line_matrix_ = {};
  open_forms_.clear();
  run(content, resources, 0);
  return std::move(glyphs_);
}

void content_reader::run(const std::string& content, QPDFObjectHandle resources, int depth) {
  auto input = std::make_shared<BufferInputSource>("content", content);
  QPDFTokenizer tokenizer;
  tokenizer.allowEOF();

  std::vector<operand> operands;
  std::vector<operand>* target = &operands;  // the open array, if any
  int dict_depth = 0;
  for (;;) {
    auto token = tokenizer.readToken(input, "content", true);
    const auto type = token.getType();
    if (type == QPDFTokenizer::tt_eof) break;
    budget_.spend_token();

    if (dict_depth > 0) {  // dictionaries are operands of marked content only: skip them
      if (type == QPDFTokenizer::tt_dict_open) ++dict_depth;
      if (type == QPDFTokenizer::tt_dict_close) --dict_depth;
      continue;
    }
    switch (type) {
      case QPDFTokenizer::tt_dict_open:
        dict_depth = 1;
        continue;
      case QPDFTokenizer::tt_array_open:
        if (target == &operands && operands.size() < kMaxOperands) {
          operands.push_back({type, 0, {}, {}});
          target = &operands.back().items;
        }
        continue;
      case QPDFTokenizer::tt_array_close:
        target = &operands;
        continue;
      case QPDFTokenizer::tt_integer:
      case QPDFTokenizer::tt_real: {
        double v = std::strtod(token.getValue().c_str(), nullptr);
        if (!std::isfinite(v)) v = 0;
        if (target->size() < kMaxOperands) target->push_back({type, v, {}, {}});
        continue;
      }
      case QPDFTokenizer::tt_string:
      case QPDFTokenizer::tt_name:
        if (target->size() < kMaxOperands) target->push_back({type, 0, token.getValue(), {}});
        continue;
      case QPDFTokenizer::tt_word:
        break;
      default:  // booleans, nulls, stray closers, bad tokens
        continue;
    }

    target = &operands;
    const std::string& op = token.getValue();
    if (op == "ID") {
      // The inline image's data follows; the tokenizer skips it to its EI.
      tokenizer.expectInlineImage(input);
      (void)tokenizer.readToken(input, "content", true);
    } else {
      execute(op, operands, resources, depth);
    }
    operands.clear();
  }
}

void content_reader::execute(const std::string& op, std::vector<operand>& operands,
                             QPDFObjectHandle resources, int depth) {
  auto num = [&](std::size_t from_end) {
    const auto& o = operands[operands.size() - from_end];
    return o.type == QPDFTokenizer::tt_integer || o.type == QPDFTokenizer::tt_real ? o.number : 0.0;
  };
  auto has = [&](std::size_t n) { return operands.size() >= n; };
  auto matrix_operand = [&] { return matrix{num(6), num(5), num(4), num(3), num(2), num(1)}; };
  auto& ts = state_.text;

  if (op == "q") {
    if (saved_.size() < kMaxSavedStates) saved_.push_back(state_);
  } else if (op == "Q") {
    if (saved_.size() > q_floor_) {
      state_ = saved_.back();
      saved_.pop_back();
    }
  } else if (op == "cm" && has(6)) {
    const matrix m = matrix_operand().then(state_.ctm);
    if (finite(m)) state_.ctm = m;
  } else if (op == "BT") {
    text_matrix_ = line_matrix_ = {};
  } else if (op == "Tf" && has(2)) {
    ts.size = num(1);
    const auto& name = operands[operands.size() - 2];
    if (name.type == QPDFTokenizer::tt_name) select_font(resources, name.bytes);
  } else if (op == "Tm" && has(6)) {
    const matrix m = matrix_operand();
    if (finite(m)) text_matrix_ = line_matrix_ = m;
  } else if (op == "Td" && has(2)) {
    move_text(num(2), num(1));
  } else if (op == "TD" && has(2)) {
    ts.leading = -num(1);
    move_text(num(2), num(1));
  } else if (op == "T*") {
    move_text(0, -ts.leading);
  } else if (op == "TL" && has(1)) {
    ts.leading = num(1);
  } else if (op == "Tc" && has(1)) {
    ts.char_spacing = num(1);
  } else if (op == "Tw" && has(1)) {
    ts.word_spacing = num(1);
  } else if (op == "Tz" && has(1)) {
    ts.scale = num(1) / 100.0;
  } else if (op == "Ts" && has(1)) {
    ts.rise = num(1);
  } else if (op == "Tj" && has(1)) {
    show(operands.back().bytes);
  } else if (op == "'" && has(1)) {
    move_text(0, -ts.leading);
    show(operands.back().bytes);
  } else if (op == "\"" && has(3)) {
    ts.word_spacing = num(3);
    ts.char_spacing = num(2);
    move_text(0, -ts.leading);
    show(operands.back().bytes);
  } else if (op == "TJ" && has(1)) {
    for (const auto& item : operands.back().items) {
      if (item.type == QPDFTokenizer::tt_string) {
        show(item.bytes);
      } else {
        const double tx = -item.number / 1000.0 * ts.size * ts.scale;
        const matrix shifted = matrix{1, 0, 0, 1, tx, 0}.then(text_matrix_);
        if (finite(shifted)) text_matrix_ = shifted;
      }
    }
  } else if (op == "Do" && has(1) && operands.back().type == QPDFTokenizer::tt_name) {
    draw_form(resources, operands.back().bytes, depth);
  }
}

void content_reader::move_text(double tx, double ty) {
  const matrix m = matrix{1, 0, 0, 1, tx, ty}.then(line_matrix_);
  if (!finite(m)) return;
  line_matrix_ = text_matrix_ = m;
}

void content_reader::select_font(QPDFObjectHandle resources, const std::string& name) {
  auto dict = dict_key(dict_key(resources, "/Font"), name);
  if (!dict.isDictionary()) {
    static const pdf_font fallback = pdf_font::fallback();
    state_.text.font = &fallback;
    return;
  }
  if (fonts_.size() + direct_fonts_.size() >= kMaxFonts)
    throw error(errc::pdf_unsupported, "too many fonts");
  if (!dict.isIndirect()) {
    direct_fonts_.push_back(std::make_unique<pdf_font>(pdf_font::load(dict, budget_)));
    state_.text.font = direct_fonts_.back().get();
    return;
  }
  auto& slot = fonts_[dict.getObjGen()];
  if (!slot) slot = std::make_unique<pdf_font>(pdf_font::load(dict, budget_));
  state_.text.font = slot.get();
}

void content_reader::show(const std::string& bytes) {
  const auto& ts = state_.text;
  if (!ts.font) {
    static const pdf_font fallback = pdf_font::fallback();
    state_.text.font = &fallback;
  }
  const pdf_font& font = *ts.font;
  for (std::string_view rest = bytes; !rest.empty();) {
    const shown_glyph glyph = font.next_glyph(rest);
    budget_.spend_glyph();
    if (glyphs_.size() >= work_budget::kPageGlyphs)
      throw error(errc::pdf_unsupported, "too many glyphs on one page");
    // Text space to user space for this glyph: size and scaling, rise, Tm, CTM.
    const matrix trm =
        matrix{ts.size * ts.scale, 0, 0, ts.size, 0, ts.rise}.then(text_matrix_).then(state_.ctm);
    const double w = glyph.advance;
    const point corners[4] = {trm.apply({0, font.descent()}), trm.apply({w, font.descent()}),
                              trm.apply({0, font.ascent()}), trm.apply({w, font.ascent()})};
    placed_glyph placed;
    placed.text = glyph.text;
    placed.box = {corners[0].x, corners[0].y, corners[0].x, corners[0].y};
    for (const auto& p : corners) {
      placed.box[0] = std::min(placed.box[0], p.x);
      placed.box[1] = std::min(placed.box[1], p.y);
      placed.box[2] = std::max(placed.box[2], p.x);
      placed.box[3] = std::max(placed.box[3], p.y);
    }
    placed.origin = trm.apply({0, 0});
    const point x_axis = minus(trm.apply({1, 0}), placed.origin);
    const double x_len = length(x_axis);
    placed.direction = x_len > 0 ? point{x_axis.x / x_len, x_axis.y / x_len} : point{1, 0};
    placed.em = length(minus(trm.apply({0, 1}), placed.origin));

    const double tx =
        (w * ts.size + ts.char_spacing + (glyph.word_space ? ts.word_spacing : 0)) * ts.scale;
    const matrix advanced = matrix{1, 0, 0, 1, tx, 0}.then(text_matrix_);
    if (finite(advanced)) text_matrix_ = advanced;
    placed.pen_after = matrix{ts.size * ts.scale, 0, 0, ts.size, 0, ts.rise}
                           .then(text_matrix_)
                           .then(state_.ctm)
                           .apply({0, 0});
    if (std::isfinite(placed.box[0]) && std::isfinite(placed.box[1]) &&
        std::isfinite(placed.box[2]) && std::isfinite(placed.box[3]))
      glyphs_.push_back(std::move(placed));
  }
}

void content_reader::draw_form(QPDFObjectHandle resources, const std::string& name, int depth) {
  auto form = dict_key(dict_key(resources, "/XObject"), name);
  if (!form.isStream() || name_of(dict_key(form, "/Subtype")) != "/Form") return;
  if (depth + 1 > work_budget::kFormDepth) return;
  const auto id = form.getObjGen();
  if (std::find(open_forms_.begin(), open_forms_.end(), id) != open_forms_.end()) return;
  budget_.spend_form_draw();

  matrix form_matrix;
  auto m = dict_key(form, "/Matrix");
  if (m.isArray() && m.getArrayNItems() == 6) {
    double v[6];
    for (int i = 0; i < 6; ++i)
      v[i] = number_of(m.getArrayItem(i)).value_or(i == 0 || i == 3 ? 1 : 0);
    form_matrix = {v[0], v[1], v[2], v[3], v[4], v[5]};
  }
  const std::string content = stream_data(form, budget_);
  auto form_resources = dict_key(form, "/Resources");
  if (!form_resources.isDictionary()) form_resources = resources;

  // A form runs in its own copy of the graphics state and leaves the text object alone.
  const graphics_state outer_state = state_;
  const auto outer_saved = saved_.size();
  const auto outer_floor = q_floor_;
  q_floor_ = outer_saved;
  const matrix outer_tm = text_matrix_, outer_tlm = line_matrix_;
  const matrix ctm = form_matrix.then(state_.ctm);
  if (finite(ctm)) state_.ctm = ctm;
  open_forms_.push_back(id);
  run(content, form_resources, depth + 1);
  open_forms_.pop_back();
  state_ = outer_state;
  saved_.resize(outer_saved);
  q_floor_ = outer_floor;
  text_matrix_ = outer_tm;
  line_matrix_ = outer_tlm;
}

}  // namespace sealbridge::pdf
