# Cross toolchain for RV64 guest programs (tests/guest, guest/ SDK, bench/ workloads).
find_program(HV_RISCV_CC riscv64-unknown-elf-gcc)
find_program(HV_RISCV_OBJDUMP riscv64-unknown-elf-objdump)
if(NOT HV_RISCV_CC)
  message(WARNING "riscv64-unknown-elf-gcc not found: guest programs and ISA tests are skipped")
endif()
# binutils 2.40 (Debian 12) does not know Zicond: tests encode it with .insn.
set(HV_GUEST_FLAGS -march=rv64gc_zba_zbb_zbc_zbs -mabi=lp64d -mcmodel=medany -O2 -g
    -ffreestanding -nostdlib -nostartfiles -static
    -Wl,--no-warn-rwx-segments)   # one RWX segment is normal for bare-metal guests

# hv_add_guest(NAME SOURCES... [LDSCRIPT file] [FLAGS ...]) -> ${CMAKE_BINARY_DIR}/guest-bin/NAME.elf
function(hv_add_guest name)
  cmake_parse_arguments(G "" "LDSCRIPT;OUTDIR" "SOURCES;FLAGS;DEPENDS" ${ARGN})
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
    COMMAND ${HV_RISCV_CC} ${HV_GUEST_FLAGS} ${G_FLAGS} ${ld} -o ${out} ${srcs}
    DEPENDS ${srcs} ${G_LDSCRIPT} ${G_DEPENDS}
    COMMENT "RV64 guest ${name}" VERBATIM)
  add_custom_target(guest_${name} ALL DEPENDS ${out})
endfunction()
