#ifndef CBUILDINFO_H
#define CBUILDINFO_H
/// The git revision the binary was built from. `make` passes it as
/// `-Xcc -DSUNO_REVISION="..."`; a plain `swift build` reports "unknown".
const char *suno_build_revision(void);
#endif
