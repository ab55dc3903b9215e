/* include/huzhu/huzhu.h - the whole public API of libhuzhu. */
#ifndef HUZHU_HUZHU_H
#define HUZHU_HUZHU_H

#include "huzhu/bundle.h"
#include "huzhu/error.h"
#include "huzhu/log.h"
#include "huzhu/node.h"
#include "huzhu/schema.h"
#include "huzhu/trust.h"

#define HZ_VERSION_STRING "0.1.0"

#endif
