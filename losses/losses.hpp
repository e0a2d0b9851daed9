#pragma once
// Every loss: the Loss base, get / from_function, and the regression, probabilistic and hinge
// families.
#include "strata/losses/hinge.hpp"
#include "strata/losses/loss.hpp"
#include "strata/losses/probabilistic.hpp"
#include "strata/losses/regression.hpp"
