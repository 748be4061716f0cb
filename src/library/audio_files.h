// Transitional: the file walk moved to audio/audio_files.h; this stays until src/cli includes that.
#pragma once
#include "audio/audio_files.h"
