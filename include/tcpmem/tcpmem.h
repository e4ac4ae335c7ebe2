/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tcpmem internal interfaces, one header per layer. Data flows one way:
 * resolve.h (ksym.c, sysfs.c, btf.c, layout.c, params.c)
 *   -> walk.h (slab.c, zone.c, tcp.c, snapshot.c)
 *   -> model.h (cost.c)
 *   -> view.h (view.c, procfs.c, debugfs.c).
 * A file includes the header of its own layer (which brings the layers
 * below it); main.c, which starts them all, includes this one.
 */
#ifndef TCPMEM_H
#define TCPMEM_H

#include "tcpmem/view.h"

#endif /* TCPMEM_H */
