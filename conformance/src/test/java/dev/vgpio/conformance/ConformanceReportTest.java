package dev.vgpio.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ConformanceReportTest {
    @Test
    void rendersATableWithCountsAndAnExitStatus() {
        ConformanceReport report = new ConformanceReport(List.of(
                new Result("config.ngpio", "ngpio is the number of lines", Result.Outcome.PASS, "ngpio = 8"),
                new Result("names.unique", "names are unique " + "and long ".repeat(30), Result.Outcome.FAIL,
                        "duplicate line name \"A\" on lines 0 and 1"),
                new Result("irq.edge-latched", "edges latch", Result.Outcome.SKIP, "no input driver")));
        String table = report.render(80);
        assertThat(table).contains("config.ngpio      PASS    ngpio is the number of lines\n")
                .contains("                          -> ngpio = 8\n")
                .contains("names.unique      FAIL    names are unique")
                .contains("irq.edge-latched  SKIP    edges latch")
                .endsWith("3 checks: 1 PASS, 1 FAIL, 1 SKIP\n");
        assertThat(table.lines()).allSatisfy(l -> assertThat(l.length()).isLessThanOrEqualTo(80));
        assertThat(report.exitStatus()).isEqualTo(1);
        assertThat(new ConformanceReport(List.of(report.results().get(0), report.results().get(2))).exitStatus())
                .isZero();
    }

    @Test
    void everyCheckHasAUniqueIdAndAStatement() {
        var statements = ConformanceSuite.statements();
        assertThat(statements).hasSizeGreaterThanOrEqualTo(30);
        assertThat(statements.values()).allSatisfy(s -> assertThat(s).isNotBlank());
    }
}
