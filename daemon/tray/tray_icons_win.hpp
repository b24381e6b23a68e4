#pragma once

// Resource ids of the state icons in sealbridge-tray.rc (made from icons/*.svg at build time),
// shared by the resource script and the program.
#define SB_TRAY_ICON_OFFLINE 101
#define SB_TRAY_ICON_EXPIRING 102
#define SB_TRAY_ICON_UPDATE 103
#define SB_TRAY_ICON_NOKEY 104
#define SB_TRAY_ICON_KEY 105
