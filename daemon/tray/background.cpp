#include "background.hpp"

#include <gio/gio.h>

namespace sealbridge::tray {
namespace {

struct job {
  std::function<void()> work;
  std::function<void()> done;
};

void run_job(GTask* task, gpointer, gpointer data, GCancellable*) {
  static_cast<job*>(data)->work();
  g_task_return_boolean(task, TRUE);
}

void finish_job(GObject*, GAsyncResult* result, gpointer) {
  static_cast<job*>(g_task_get_task_data(G_TASK(result)))->done();
}

}  // namespace

void run_in_background(std::function<void()> work, std::function<void()> done) {
  GTask* task = g_task_new(nullptr, nullptr, finish_job, nullptr);
  g_task_set_task_data(task, new job{std::move(work), std::move(done)},
                       [](gpointer p) { delete static_cast<job*>(p); });
  g_task_run_in_thread(task, run_job);
  g_object_unref(task);  // the running task keeps its own reference until finish_job returns
}

}  // namespace sealbridge::tray
