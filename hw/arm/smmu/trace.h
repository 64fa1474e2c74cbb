#include "trace/trace-hw_arm_smmu.h"
