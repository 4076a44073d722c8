#include "CBuildInfo.h"

#ifndef SUNO_REVISION
#define SUNO_REVISION "unknown"
#endif

const char *suno_build_revision(void) { return SUNO_REVISION; }
