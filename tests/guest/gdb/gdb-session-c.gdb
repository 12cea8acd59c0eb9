# SPDX-License-Identifier: MIT
# Session C: watchpoints (rwatch, watch, awatch on a global the guest reads and writes) and
# monitor commands (regs of all harts, stats, checkpoint/rollback restores the state hash).
set pagination off
set confirm off
target remote 127.0.0.1:@PORT@
monitor regs
monitor stats
monitor checkpoint
monitor hash
stepi 5
monitor rollback
monitor hash
maint flush register-cache
rwatch counter
continue
delete
watch counter
continue
delete
awatch counter
continue
delete
continue
