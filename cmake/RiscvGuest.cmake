# SPDX-License-Identifier: MIT
# Cross toolchain for RV64 guest programs (tests/guest, guest/ SDK, bench/ workloads).
find_program(HV_RISCV_CC riscv64-unknown-elf-gcc)
find_program(HV_RISCV_OBJDUMP riscv64-unknown-elf-objdump)
if(NOT HV_RISCV_CC)
  message(WARNING "riscv64-unknown-elf-gcc not found: guest programs and ISA tests are skipped")
endif()
# Guests (the SDK, its examples, bench workloads) are plain RV64GC so they run on any
# RV64GC hart; programs that test the bit-manipulation extensions add HV_GUEST_MARCH_B.
# binutils 2.40 (Debian 12) does not know Zicond: tests encode it with .insn.
set(HV_GUEST_MARCH -march=rv64gc)
set(HV_GUEST_MARCH_B -march=rv64gc_zba_zbb_zbc_zbs)
set(HV_GUEST_FLAGS ${HV_GUEST_MARCH} -mabi=lp64d -mcmodel=medany -O2 -g
    -ffreestanding -nostdlib -nostartfiles -static
    -Wl,--no-warn-rwx-segments)   # one RWX segment is normal for bare-metal guests
# The hosted flavour: the same code model on Debian's picolibc (picolibc-riscv64-unknown-elf,
# multilib rv64imafdc/lp64d): standard C headers and libc/libm, but the SDK's own crt0 and
# linker script (-nostartfiles; -T overrides picolibc.ld).
find_file(HV_PICOLIBC_SPECS picolibc.specs
  PATHS /usr/lib/picolibc/riscv64-unknown-elf NO_DEFAULT_PATH)
set(HV_GUEST_LIBC_FLAGS ${HV_GUEST_MARCH} -mabi=lp64d -mcmodel=medany -O2 -g
    --specs=${HV_PICOLIBC_SPECS} -nostartfiles -static -Wl,--no-warn-rwx-segments)

# hv_add_guest(NAME SOURCES... [LDSCRIPT file] [FLAGS ...] [LIBC]) -> OUTDIR/NAME.elf
#   LIBC: compile and link against picolibc (HV_GUEST_LIBC_FLAGS) instead of freestanding.
function(hv_add_guest name)
  cmake_parse_arguments(G "LIBC" "LDSCRIPT;OUTDIR" "SOURCES;FLAGS;DEPENDS" ${ARGN})
  set(base ${HV_GUEST_FLAGS})
  set(libs -lgcc)       # compiler helpers (e.g. __ctzdi2: plain RV64GC has no ctz)
  if(G_LIBC)
    set(base ${HV_GUEST_LIBC_FLAGS})
    set(libs -lm)
  endif()
  if(NOT G_OUTDIR)
    set(G_OUTDIR ${CMAKE_CURRENT_BINARY_DIR})
  endif()
  set(out ${G_OUTDIR}/${name}.elf)
  set(srcs)
  foreach(s ${G_SOURCES})
    get_filename_component(abs ${s} ABSOLUTE)
    list(APPEND srcs ${abs})
  endforeach()
  set(ld)
  if(G_LDSCRIPT)
    get_filename_component(ldabs ${G_LDSCRIPT} ABSOLUTE)
    set(ld -T ${ldabs})
  endif()
  add_custom_command(OUTPUT ${out}
    COMMAND ${HV_RISCV_CC} ${base} ${G_FLAGS} ${ld} -o ${out} ${srcs} ${libs}
    DEPENDS ${srcs} ${G_LDSCRIPT} ${G_DEPENDS}
    COMMENT "RV64 guest ${name}" VERBATIM)
  add_custom_target(guest_${name} ALL DEPENDS ${out})
endfunction()
