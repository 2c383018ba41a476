/* Two models in one program, both linked statically: mlp.h (dynamic batch)
 * and mlp8.h (the same model compiled with --name=mlp8 --batch=8). Their
 * code and reflection data stay apart; each runs on the same rows. Prints
 * whether the two agree, what each library's reflection says, and whether
 * the generic API on mlp8_info() gives mlp8_run's numbers. */
#include "check_status.h"
#include "mlp.h"
#include "mlp8.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

int main(void) {
  enum { BATCH = MLP8_INPUT_DIM0, CLASSES = MLP8_LOGITS_DIM1 };
  static float pixels[BATCH * MLP_INPUT_DIM1];
  for (int i = 0; i < BATCH * MLP_INPUT_DIM1; ++i)
    pixels[i] = (float)(i % 11) / 11.0f;
  mithril_tensor input = {.data = pixels,
                          .dtype = MITHRIL_F32,
                          .rank = 2,
                          .shape = {BATCH, MLP_INPUT_DIM1}};
  float dynamic[BATCH * CLASSES], fixed[BATCH * CLASSES];
  mithril_tensor dynamicOut = {.data = dynamic,
                               .dtype = MITHRIL_F32,
                               .rank = 2,
                               .shape = {BATCH, CLASSES}};
  mithril_tensor fixedOut = dynamicOut;
  fixedOut.data = fixed;

  mlp_model *a;
  mlp8_model *b;
  if (check(mlp_create(NULL, &a)) || check(mlp8_create(NULL, &b)) ||
      check(mlp_run(a, &input, &dynamicOut)) ||
      check(mlp8_run(b, &input, &fixedOut)))
    return 1;
  float worst = 0;
  for (int i = 0; i < BATCH * CLASSES; ++i)
    worst = fmaxf(worst, fabsf(dynamic[i] - fixed[i]));
  printf("agree: %d\n", worst <= 1e-5f);
  printf("infos: %d %d %d\n", mlp_info() != mlp8_info(),
         mlp_info()->num_entries, mlp8_info()->num_entries);

  /* The generic API on a model linked in, through its info. */
  mithril_model *generic;
  float again[BATCH * CLASSES];
  mithril_tensor againOut = dynamicOut;
  againOut.data = again;
  const mithril_tensor *inputs[] = {&input};
  mithril_tensor *outputs[] = {&againOut};
  if (check(mithril_model_create_from_info(mlp8_info(), NULL, &generic)) ||
      check(mithril_model_run(generic, 0, inputs, 1, outputs, 1)))
    return 1;
  printf("generic: %d\n", memcmp(again, fixed, sizeof again) == 0);
  mithril_model_destroy(generic);
  mlp_destroy(a);
  mlp8_destroy(b);
  return 0;
}
