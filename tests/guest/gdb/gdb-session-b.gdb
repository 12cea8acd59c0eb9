# SPDX-License-Identifier: MIT
# Session B (para backend): attach, break, look, Ctrl-C-free detach: the guest must finish
# on its own with its normal output.
set pagination off
set confirm off
target remote 127.0.0.1:@PORT@
break *add_numbers
continue
info registers a0 a1
print message
detach
