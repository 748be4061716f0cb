// Transitional: the error types are public (sonavec/error.h).
#pragma once
#include "sonavec/error.h"
