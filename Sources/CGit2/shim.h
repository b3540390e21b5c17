#ifndef KF_CGIT2_SHIM_H
#define KF_CGIT2_SHIM_H
#include <git2.h>
#endif
