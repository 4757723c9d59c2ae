/* cmd.h — the bt commands. Each returns the process exit code (see util.h). */
#ifndef BT_CMD_H
#define BT_CMD_H

#include "args.h"
#include "output.h"

int cmd_make(const bt_args *a, out_ctx *o);
int cmd_seed(const bt_args *a, out_ctx *o);
int cmd_get(const bt_args *a, out_ctx *o);
int cmd_dht(const bt_args *a, out_ctx *o);

#endif
