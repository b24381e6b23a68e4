#include "consent_window.hpp"

#include <gdk/gdkkeysyms.h>
#include <gtk/gtk.h>

#include <string>

#include "answer.hpp"
#include "layout.hpp"
#include "seal_picture.hpp"

namespace sealbridge::consent_dialog {

namespace {

constexpr int picture_box = 128;
constexpr int items_max_height = 220;

// Everything the signal handlers share. Lives on run_consent_window's stack for the whole
// main loop.
struct window_state {
  const request* req = nullptr;
  GtkWidget* window = nullptr;
  GtkWidget* entry = nullptr;  // null when the key has a protected authentication path
  GtkWidget* approve = nullptr;
  GtkWidget* deny = nullptr;
  GtkWidget* hint = nullptr;
  GtkWidget* countdown = nullptr;
  bool armed = false;
  bool answered = false;
  bool written = false;
  int seconds_left = 0;
  guint tick_source = 0;
  guint arm_source = 0;
};

// Chinese first unless the request asked for English first.
struct two_languages {
  const char* first;
  const char* second;
};
two_languages ordered(const window_state& s, const char* zh, const char* en) {
  return s.req->english_first ? two_languages{en, zh} : two_languages{zh, en};
}

// Han characters look different in Chinese and Japanese fonts; the locale the daemon runs in
// says nothing about that, so every label says Chinese.
PangoAttrList* base_attributes() {
  PangoAttrList* list = pango_attr_list_new();
  pango_attr_list_insert(list, pango_attr_language_new(pango_language_from_string("zh-cn")));
  return list;
}

struct text_style {
  bool bold = false;
  double scale = 1.0;
  bool mono = false;
  bool selectable = false;
  bool dim = false;
  bool warning = false;
};

// Outside text always goes in as plain text, never as markup: a document named
// "<span size='1'>…" must show as exactly that.
GtkWidget* text_label(const std::string& text, text_style style = {}) {
  GtkWidget* label = gtk_label_new(text.c_str());
  PangoAttrList* attributes = base_attributes();
  if (style.bold) pango_attr_list_insert(attributes, pango_attr_weight_new(PANGO_WEIGHT_BOLD));
  if (style.scale != 1.0) pango_attr_list_insert(attributes, pango_attr_scale_new(style.scale));
  if (style.mono) pango_attr_list_insert(attributes, pango_attr_family_new("monospace"));
  if (style.dim)
    pango_attr_list_insert(attributes, pango_attr_foreground_new(0x5555, 0x5555, 0x5555));
  if (style.warning)
    pango_attr_list_insert(attributes, pango_attr_foreground_new(0xc000, 0x1000, 0x1000));
  gtk_label_set_attributes(GTK_LABEL(label), attributes);
  pango_attr_list_unref(attributes);
  gtk_label_set_xalign(GTK_LABEL(label), 0.0f);
  gtk_label_set_line_wrap(GTK_LABEL(label), TRUE);
  gtk_label_set_line_wrap_mode(GTK_LABEL(label),
                               style.mono ? PANGO_WRAP_CHAR : PANGO_WRAP_WORD_CHAR);
  gtk_label_set_max_width_chars(GTK_LABEL(label), 60);
  if (style.selectable) {
    gtk_label_set_selectable(GTK_LABEL(label), TRUE);
    // Selectable labels would join the Tab chain; keep it PIN -> Deny -> Approve.
    gtk_widget_set_can_focus(label, FALSE);
  }
  return label;
}

// "签署人  Signer": the first language bold, the second dim.
GtkWidget* caption(const window_state& s, const char* zh, const char* en) {
  const auto [first, second] = ordered(s, zh, en);
  GtkWidget* row = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 8);
  gtk_box_pack_start(GTK_BOX(row), text_label(first, {.bold = true}), FALSE, FALSE, 0);
  gtk_box_pack_start(GTK_BOX(row), text_label(second, {.dim = true}), FALSE, FALSE, 0);
  return row;
}

std::string two_lines(const window_state& s, const std::string& zh, const std::string& en) {
  return s.req->english_first ? en + "\n" + zh : zh + "\n" + en;
}

std::size_t pin_bytes(const window_state& s) {
  return s.entry ? gtk_entry_buffer_get_bytes(gtk_entry_get_buffer(GTK_ENTRY(s.entry))) : 0;
}

bool pin_acceptable(const window_state& s) {
  if (!s.entry) return true;
  const std::size_t n = pin_bytes(s);
  return n >= s.req->pin_min && n <= s.req->pin_max;
}

void update_sensitivity(window_state& s) {
  gtk_widget_set_sensitive(s.approve, s.armed && pin_acceptable(s));
}

void wipe_pin(window_state& s) {
  // GtkEntryBuffer overwrites the characters it deletes (it expects passwords).
  if (s.entry) gtk_entry_buffer_delete_text(gtk_entry_get_buffer(GTK_ENTRY(s.entry)), 0, -1);
}

void finish(window_state& s, bool approved, const char* reason) {
  if (s.answered) return;
  s.answered = true;
  if (approved) {
    std::string_view pin;
    if (s.entry) pin = std::string_view(gtk_entry_get_text(GTK_ENTRY(s.entry)), pin_bytes(s));
    s.written = write_approval(pin);
  } else {
    s.written = write_refusal(reason);
  }
  wipe_pin(s);
  if (s.tick_source) g_source_remove(s.tick_source);
  if (s.arm_source) g_source_remove(s.arm_source);
  s.tick_source = s.arm_source = 0;
  gtk_widget_hide(s.window);
  gtk_main_quit();
}

void try_approve(window_state& s) {
  if (s.armed && pin_acceptable(s)) {
    finish(s, true, nullptr);
    return;
  }
  gtk_widget_error_bell(s.window);
  if (s.hint && s.armed) {
    PangoAttrList* attributes = base_attributes();
    pango_attr_list_insert(attributes, pango_attr_foreground_new(0xc000, 0x1000, 0x1000));
    pango_attr_list_insert(attributes, pango_attr_weight_new(PANGO_WEIGHT_BOLD));
    gtk_label_set_attributes(GTK_LABEL(s.hint), attributes);
    pango_attr_list_unref(attributes);
  }
}

void show_countdown(window_state& s) {
  const std::string n = std::to_string(s.seconds_left);
  const std::string text = s.req->english_first ? n + " s left · 剩余 " + n + " 秒"
                                                : "剩余 " + n + " 秒 · " + n + " s left";
  gtk_label_set_text(GTK_LABEL(s.countdown), text.c_str());
}

gboolean on_tick(gpointer data) {
  auto& s = *static_cast<window_state*>(data);
  if (--s.seconds_left <= 0) {
    s.tick_source = 0;
    finish(s, false, "timeout");
    return G_SOURCE_REMOVE;
  }
  show_countdown(s);
  return G_SOURCE_CONTINUE;
}

gboolean on_armed(gpointer data) {
  auto& s = *static_cast<window_state*>(data);
  s.arm_source = 0;
  s.armed = true;
  update_sensitivity(s);
  if (!s.entry) gtk_widget_grab_focus(s.approve);
  return G_SOURCE_REMOVE;
}

gboolean on_map(GtkWidget*, GdkEvent*, gpointer data) {
  auto& s = *static_cast<window_state*>(data);
  // Without a window manager nobody else gives us the keyboard; with one, this asks it to.
  gtk_window_present_with_time(GTK_WINDOW(s.window), GDK_CURRENT_TIME);
  if (s.entry)
    gtk_widget_grab_focus(s.entry);
  else
    gtk_window_set_focus(GTK_WINDOW(s.window), nullptr);
  if (!s.armed && !s.arm_source) s.arm_source = g_timeout_add(arming_delay_ms, on_armed, &s);
  return FALSE;
}

gboolean on_key(GtkWidget*, GdkEventKey* event, gpointer data) {
  auto& s = *static_cast<window_state*>(data);
  switch (event->keyval) {
    case GDK_KEY_Escape:
      finish(s, false, "denied");
      return TRUE;
    case GDK_KEY_Return:
    case GDK_KEY_KP_Enter:
    case GDK_KEY_ISO_Enter:
      // Enter on a focused Deny is Deny, as on any button; everywhere else it is Approve.
      if (gtk_window_get_focus(GTK_WINDOW(s.window)) == s.deny) return FALSE;
      try_approve(s);
      return TRUE;
    default:
      return FALSE;
  }
}

gboolean on_delete(GtkWidget*, GdkEvent*, gpointer data) {
  finish(*static_cast<window_state*>(data), false, "closed");
  return TRUE;
}

void on_approve_clicked(GtkButton*, gpointer data) {
  try_approve(*static_cast<window_state*>(data));
}
void on_deny_clicked(GtkButton*, gpointer data) {
  finish(*static_cast<window_state*>(data), false, "denied");
}
void on_pin_changed(GtkEditable*, gpointer data) {
  update_sensitivity(*static_cast<window_state*>(data));
}

GtkWidget* items_view(const window_state& s) {
  const request& req = *s.req;
  GtkWidget* list = gtk_box_new(GTK_ORIENTATION_VERTICAL, 10);
  for (const item& it : req.items) {
    GtkWidget* one = gtk_box_new(GTK_ORIENTATION_VERTICAL, 2);
    gtk_box_pack_start(
        GTK_BOX(one),
        text_label(it.name.empty() ? "—" : it.name, {.bold = true, .selectable = true}), FALSE,
        FALSE, 0);
    if (!it.pages.empty()) {
      const auto [first, second] = ordered(s, "页码", "Pages");
      gtk_box_pack_start(
          GTK_BOX(one),
          text_label(std::string(first) + " " + second + ": " + it.pages, {.selectable = true}),
          FALSE, FALSE, 0);
    }
    if (!it.sha256.empty()) {
      gtk_box_pack_start(GTK_BOX(one), text_label("SHA-256", {.dim = true}), FALSE, FALSE, 0);
      gtk_box_pack_start(GTK_BOX(one), text_label(it.sha256, {.mono = true, .selectable = true}),
                         FALSE, FALSE, 0);
    }
    if (!it.detail.empty())
      gtk_box_pack_start(GTK_BOX(one), text_label(it.detail, {.selectable = true, .dim = true}),
                         FALSE, FALSE, 0);
    gtk_box_pack_start(GTK_BOX(list), one, FALSE, FALSE, 0);
  }
  if (req.item_count > req.items.size()) {
    const std::string more = std::to_string(req.item_count - req.items.size());
    gtk_box_pack_start(
        GTK_BOX(list),
        text_label(two_lines(s, "另有 " + more + " 项未列出", more + " more not listed"),
                   {.dim = true}),
        FALSE, FALSE, 0);
  }

  GtkWidget* scroller = gtk_scrolled_window_new(nullptr, nullptr);
  gtk_scrolled_window_set_policy(GTK_SCROLLED_WINDOW(scroller), GTK_POLICY_NEVER,
                                 GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_propagate_natural_height(GTK_SCROLLED_WINDOW(scroller), TRUE);
  gtk_scrolled_window_set_max_content_height(GTK_SCROLLED_WINDOW(scroller), items_max_height);
  gtk_container_add(GTK_CONTAINER(scroller), list);
  gtk_widget_set_can_focus(scroller, FALSE);
  return scroller;
}

GtkWidget* pin_section(window_state& s) {
  const request& req = *s.req;
  GtkWidget* box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 4);
  if (!req.want_pin) {
    gtk_box_pack_start(
        GTK_BOX(box),
        text_label(two_lines(
            s, "此密钥在自身的键盘或按钮上验证身份，批准后请在密钥上操作。",
            "This key checks your identity on its own PIN pad or button: use it after approving.")),
        FALSE, FALSE, 0);
    return box;
  }
  gtk_box_pack_start(GTK_BOX(box), caption(s, "PIN 码", "PIN"), FALSE, FALSE, 0);
  s.entry = gtk_entry_new();
  gtk_entry_set_visibility(GTK_ENTRY(s.entry), FALSE);
  gtk_entry_set_input_purpose(GTK_ENTRY(s.entry), GTK_INPUT_PURPOSE_PASSWORD);
  gtk_entry_set_max_length(GTK_ENTRY(s.entry), static_cast<gint>(req.pin_max));
  gtk_entry_set_activates_default(GTK_ENTRY(s.entry), FALSE);  // on_key decides
  g_signal_connect(s.entry, "changed", G_CALLBACK(on_pin_changed), &s);
  gtk_box_pack_start(GTK_BOX(box), s.entry, FALSE, FALSE, 0);

  const std::string min = std::to_string(req.pin_min), max = std::to_string(req.pin_max);
  std::string zh = "长度 " + min + "–" + max + " 位", en = min + "–" + max + " characters";
  if (req.tries_left) {
    zh += "，剩余尝试次数 " + std::to_string(*req.tries_left);
    en += ", tries left: " + std::to_string(*req.tries_left);
  }
  s.hint = text_label(two_lines(s, zh, en), {.dim = true});
  gtk_box_pack_start(GTK_BOX(box), s.hint, FALSE, FALSE, 0);
  if (req.final_try)
    gtk_box_pack_start(
        GTK_BOX(box),
        text_label(two_lines(s, "警告：这是最后一次尝试，PIN 码再错一次密钥将被锁定。",
                             "Warning: this is the last try. One more wrong PIN locks the key."),
                   {.bold = true, .warning = true}),
        FALSE, FALSE, 0);
  return box;
}

GtkWidget* button(const window_state& s, const char* zh, const char* en) {
  const auto [first, second] = ordered(s, zh, en);
  GtkWidget* b = gtk_button_new_with_label((std::string(first) + " " + second).c_str());
  gtk_widget_set_size_request(b, button_width, button_height);
  return b;
}

void build(window_state& s) {
  const request& req = *s.req;
  s.window = gtk_window_new(GTK_WINDOW_TOPLEVEL);
  const std::string title =
      std::string(window_title_prefix) + " · " +
      (req.english_first ? "Confirm signing · 签署确认" : "签署确认 · Confirm signing");
  gtk_window_set_title(GTK_WINDOW(s.window), title.c_str());
  gtk_window_set_type_hint(GTK_WINDOW(s.window), GDK_WINDOW_TYPE_HINT_DIALOG);
  gtk_window_set_position(GTK_WINDOW(s.window), GTK_WIN_POS_CENTER_ALWAYS);
  gtk_window_set_keep_above(GTK_WINDOW(s.window), TRUE);
  gtk_window_set_urgency_hint(GTK_WINDOW(s.window), TRUE);
  gtk_window_set_default_size(GTK_WINDOW(s.window), default_window_width, -1);
  gtk_container_set_border_width(GTK_CONTAINER(s.window), window_border);

  GtkWidget* body = gtk_box_new(GTK_ORIENTATION_VERTICAL, 12);
  // A wide minimum keeps GTK from sizing the window for labels wrapped at their narrowest
  // (which leaves a tall empty window).
  gtk_widget_set_size_request(body, default_window_width - 2 * window_border, -1);
  gtk_container_add(GTK_CONTAINER(s.window), body);

  const std::string zh_title = req.title_zh.empty() ? "签署确认" : req.title_zh;
  const std::string en_title = req.title_en.empty() ? "Confirm signing" : req.title_en;
  const auto first_title = req.english_first ? en_title : zh_title;
  const auto second_title = req.english_first ? zh_title : en_title;
  gtk_box_pack_start(GTK_BOX(body), text_label(first_title, {.bold = true, .scale = 1.5}), FALSE,
                     FALSE, 0);
  gtk_box_pack_start(GTK_BOX(body), text_label(second_title, {.dim = true}), FALSE, FALSE, 0);
  gtk_box_pack_start(GTK_BOX(body), gtk_separator_new(GTK_ORIENTATION_HORIZONTAL), FALSE, FALSE, 0);

  // The origin comes from the daemon's own check of the connection, not from the page: it is
  // the one line here a page cannot choose, so it is the largest.
  GtkWidget* who = gtk_box_new(GTK_ORIENTATION_VERTICAL, 2);
  gtk_box_pack_start(GTK_BOX(who), caption(s, "请求来源", "Requested by"), FALSE, FALSE, 0);
  gtk_box_pack_start(GTK_BOX(who),
                     text_label(req.origin, {.bold = true, .scale = 1.3, .selectable = true}),
                     FALSE, FALSE, 0);
  gtk_box_pack_start(GTK_BOX(body), who, FALSE, FALSE, 0);

  GtkWidget* signer = gtk_box_new(GTK_ORIENTATION_VERTICAL, 2);
  gtk_box_pack_start(GTK_BOX(signer), caption(s, "签署证书", "Signing certificate"), FALSE, FALSE,
                     0);
  gtk_box_pack_start(GTK_BOX(signer),
                     text_label(req.signer.empty() ? "—" : req.signer, {.selectable = true}), FALSE,
                     FALSE, 0);
  gtk_box_pack_start(GTK_BOX(body), signer, FALSE, FALSE, 0);

  GtkWidget* what = gtk_box_new(GTK_ORIENTATION_VERTICAL, 4);
  if (req.item_count > 1) {
    const std::string n = std::to_string(req.item_count);
    const auto [first, second] = ordered(s, "签署内容", "To be signed");
    gtk_box_pack_start(GTK_BOX(what),
                       text_label(std::string(first) + "  " + second + ":  " +
                                      (req.english_first ? n + " items · 共 " + n + " 项"
                                                         : "共 " + n + " 项 · " + n + " items"),
                                  {.bold = true}),
                       FALSE, FALSE, 0);
  } else {
    gtk_box_pack_start(GTK_BOX(what), caption(s, "签署内容", "To be signed"), FALSE, FALSE, 0);
  }
  GtkWidget* row = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 12);
  if (GdkPixbuf* picture = load_seal_picture(req.picture_png, picture_box)) {
    GtkWidget* image = gtk_image_new_from_pixbuf(picture);
    g_object_unref(picture);
    gtk_widget_set_valign(image, GTK_ALIGN_START);
    gtk_box_pack_start(GTK_BOX(row), image, FALSE, FALSE, 0);
  } else if (req.picture_sent) {
    gtk_box_pack_start(GTK_BOX(row),
                       text_label(two_lines(s, "（印章图片无法显示）", "(seal picture unreadable)"),
                                  {.dim = true}),
                       FALSE, FALSE, 0);
  }
  gtk_box_pack_start(GTK_BOX(row), items_view(s), TRUE, TRUE, 0);
  gtk_box_pack_start(GTK_BOX(what), row, FALSE, FALSE, 0);
  gtk_box_pack_start(GTK_BOX(body), what, FALSE, FALSE, 0);

  gtk_box_pack_start(GTK_BOX(body), gtk_separator_new(GTK_ORIENTATION_HORIZONTAL), FALSE, FALSE, 0);
  gtk_box_pack_start(GTK_BOX(body), pin_section(s), FALSE, FALSE, 0);

  GtkWidget* buttons = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, button_spacing);
  s.countdown = text_label("", {.dim = true});
  gtk_widget_set_valign(s.countdown, GTK_ALIGN_CENTER);
  gtk_box_pack_start(GTK_BOX(buttons), s.countdown, TRUE, TRUE, 0);
  s.deny = button(s, "拒绝", "Deny");
  s.approve = button(s, "签署", "Approve");
  gtk_style_context_add_class(gtk_widget_get_style_context(s.approve),
                              GTK_STYLE_CLASS_SUGGESTED_ACTION);
  gtk_widget_set_can_default(s.approve, TRUE);
  gtk_box_pack_start(GTK_BOX(buttons), s.deny, FALSE, FALSE, 0);
  gtk_box_pack_start(GTK_BOX(buttons), s.approve, FALSE, FALSE, 0);
  gtk_box_pack_end(GTK_BOX(body), buttons, FALSE, FALSE, 0);
  gtk_window_set_default(GTK_WINDOW(s.window), s.approve);

  g_signal_connect(s.window, "key-press-event", G_CALLBACK(on_key), &s);
  g_signal_connect(s.window, "delete-event", G_CALLBACK(on_delete), &s);
  g_signal_connect(s.window, "map-event", G_CALLBACK(on_map), &s);
  g_signal_connect(s.approve, "clicked", G_CALLBACK(on_approve_clicked), &s);
  g_signal_connect(s.deny, "clicked", G_CALLBACK(on_deny_clicked), &s);
}

}  // namespace

int run_consent_window(const request& req, int& argc, char**& argv) {
  if (!gtk_init_check(&argc, &argv)) {
    write_refusal("no_display");
    return exit_no_display;
  }
  window_state s;
  s.req = &req;
  s.seconds_left = req.timeout_seconds;
  build(s);
  update_sensitivity(s);
  show_countdown(s);
  s.tick_source = g_timeout_add_seconds(1, on_tick, &s);
  gtk_widget_show_all(s.window);
  gtk_main();
  gtk_widget_destroy(s.window);
  return s.written ? 0 : 1;
}

}  // namespace sealbridge::consent_dialog
