package io.hotset.testkit.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class RespTest {

    private static Object parse(String wire) throws IOException {
        return Resp.read(new ByteArrayInputStream(wire.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void encodesCommandAsArrayOfBulkStrings() {
        assertThat(new String(Resp.encode("SET", "k", "héllo", ""), StandardCharsets.UTF_8))
                .isEqualTo("*4\r\n$3\r\nSET\r\n$1\r\nk\r\n$6\r\nhéllo\r\n$0\r\n\r\n");
    }

    @Test
    void parsesEveryResp2Type() throws IOException {
        assertThat(parse("+PONG\r\n")).isEqualTo("PONG");
        assertThat(parse(":-42\r\n")).isEqualTo(-42L);
        assertThat(parse("$5\r\nhe\r\no\r\n")).isEqualTo("he\r\no");
        assertThat(parse("$-1\r\n")).isNull();
        assertThat(parse("*-1\r\n")).isNull();
        assertThat(parse("-ERR unknown command\r\n")).isEqualTo(new Resp.Error("ERR unknown command"));
        assertThat(parse("*3\r\n$1\r\na\r\n:1\r\n*2\r\n$-1\r\n+x\r\n"))
                .isEqualTo(Arrays.asList("a", 1L, Arrays.asList(null, "x")));
    }

    @Test
    void rejectsTruncatedAndUnknownReplies() {
        assertThatThrownBy(() -> parse("$5\r\nab")).isInstanceOf(EOFException.class);
        assertThatThrownBy(() -> parse("")).isInstanceOf(EOFException.class);
        assertThatThrownBy(() -> parse("%1\r\n")).isInstanceOf(IOException.class).hasMessageContaining("RESP2");
        assertThatThrownBy(() -> parse(":abc\r\n")).isInstanceOf(IOException.class).hasMessageContaining("abc");
    }
}
