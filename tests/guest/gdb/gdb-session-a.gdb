# SPDX-License-Identifier: MIT
# Session A (full backend): registers, a breakpoint at a function, memory, steps, register
# and CSR access, then run to the end. gdb-test.sh checks the output.
set pagination off
set confirm off
target remote 127.0.0.1:@PORT@
info registers pc
break *add_numbers
continue
echo MARK-counter\n
print counter
x/s message
echo MARK-a0\n
set $a0 = 40
print $a0
set $before = $pc
stepi
stepi
if $pc > $before
  echo STEPPED-FORWARD\n
end
echo MARK-mstatus\n
print/x $mstatus
print/x $mepc
print $priv
info threads
delete
continue
