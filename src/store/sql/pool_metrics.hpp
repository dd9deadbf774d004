// The connection pools' metrics (README "Operations"), recorded by both
// drivers: connections leased now, and how long acquire() took.
#pragma once
#include "core/metrics.hpp"

namespace latchkey::store::sql {

metrics::Gauge& connections_in_use();
metrics::Histogram& acquire_wait();

}  // namespace latchkey::store::sql
