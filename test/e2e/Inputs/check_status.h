/* What the test programs do with a mithril_status: print it on stderr. */
#ifndef CHECK_STATUS_H
#define CHECK_STATUS_H

#include <mithril/runtime.h>

#include <stdio.h>

/* 0 on success; otherwise prints and frees the error and returns 1. */
static int check(mithril_status status) {
  if (!status)
    return 0;
  fprintf(stderr, "error: %s\n", mithril_status_message(status));
  mithril_status_free(status);
  return 1;
}

#endif /* CHECK_STATUS_H */
