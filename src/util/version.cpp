#include "sonavec/version.h"

namespace sonavec {

const char* version() { return SONAVEC_VERSION; }

}  // namespace sonavec
