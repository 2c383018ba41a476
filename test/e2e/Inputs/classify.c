/* A C program using a compiled model through its header (mlp.h), as
 * spec/abi.md describes: create with the embedded weights, run with an
 * output the library allocates and one the caller allocates, and a rejected
 * input. Prints the logits, one per line, then the rejection. */
#include "check_status.h"
#include "mlp.h"

#include <stdio.h>
#include <string.h>

int main(void) {
  enum { BATCH = 2 };
  static float pixels[BATCH * MLP_INPUT_DIM1];
  for (int i = 0; i < BATCH * MLP_INPUT_DIM1; ++i)
    pixels[i] = (float)(i % 7) / 7.0f;

  mlp_model *model;
  if (check(mlp_create(NULL, &model)))
    return 1;
  mithril_tensor input = {.data = pixels,
                          .dtype = MITHRIL_F32,
                          .rank = 2,
                          .shape = {BATCH, MLP_INPUT_DIM1}};
  mithril_tensor logits = {0};
  if (check(mlp_run(model, &input, &logits)))
    return 1;
  printf("logits: rank %d, shape %lld x %lld\n", (int)logits.rank,
         (long long)logits.shape[0], (long long)logits.shape[1]);
  for (int i = 0; i < BATCH * MLP_LOGITS_DIM1; ++i)
    printf("%.9g\n", ((float *)logits.data)[i]);

  /* The same call into a buffer of our own gives the same numbers. */
  float mine[BATCH * MLP_LOGITS_DIM1];
  mithril_tensor into = {.data = mine,
                         .dtype = MITHRIL_F32,
                         .rank = 2,
                         .shape = {BATCH, MLP_LOGITS_DIM1}};
  if (check(mlp_run(model, &input, &into)))
    return 1;
  printf("same: %d\n", memcmp(mine, logits.data, sizeof mine) == 0);
  mithril_tensor_free(&logits);

  input.shape[1] = 783;
  mithril_status status = mlp_run(model, &input, &logits);
  printf("rejected: %s\n", mithril_status_message(status));
  mithril_status_free(status);
  mlp_destroy(model);
  return 0;
}
