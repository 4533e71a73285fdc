"""What the chain's enable switches cost: every module off against every module on, on the same
audio in the same run. A module whose switch has faded out does not run (only its latency
alignment does), so all off should be many times faster than all on."""

import stemglue
from conftest import BLOCK_SIZE, SAMPLE_RATE

ALL_OFF = {f"{info.id}_enabled": 0 for info in stemglue.modules()}


def test_chain_all_modules_on(realtime, program):
    chain = stemglue.StemGlue()
    realtime("StemGlue all modules on", lambda audio: chain(audio, SAMPLE_RATE, block_size=BLOCK_SIZE), program)


def test_chain_all_modules_off(realtime, program):
    chain = stemglue.StemGlue(**ALL_OFF)
    realtime(
        "StemGlue all modules off",
        lambda audio: chain(audio, SAMPLE_RATE, block_size=BLOCK_SIZE),
        program,
        baseline="StemGlue all modules on",
    )
