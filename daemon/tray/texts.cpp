#include "texts.hpp"

namespace sealbridge::tray {
namespace {

constexpr texts kChinese{
    "印章工具",
    "在线延期",
    "检查升级",
    "环境检测",
    "关于",
    "退出",
    "签章服务未运行",
    "未插入UKey",
    "UKey已插入",
    "证书或印章即将过期",
    "有新版本可升级",
    "发现新版本：",
    "已是最新版本。",
    "检查升级失败：",
    "签章服务暂不支持检查升级。",
    "管理员尚未配置在线延期地址。",
    "无法连接本机签章服务，请确认服务已启动。",
    "SealBridge 电子印章签章服务\n版本：",
    "无法打开浏览器：",
};

constexpr texts kEnglish{
    "Seal tool",
    "Renew online",
    "Check for updates",
    "Environment check",
    "About",
    "Quit",
    "Signing service not running",
    "No UKey plugged in",
    "UKey plugged in",
    "A certificate or seal expires soon",
    "An update is available",
    "A new version is available: ",
    "SealBridge is up to date.",
    "Checking for updates failed: ",
    "The signing service cannot check for updates yet.",
    "The administrator has not configured a renewal address.",
    "Cannot reach the local signing service; make sure it is running.",
    "SealBridge electronic seal signing service\nVersion: ",
    "Cannot open the browser: ",
};

}  // namespace

const texts& texts_for(bool english) {
  return english ? kEnglish : kChinese;
}

}  // namespace sealbridge::tray
