package dev.vgpio.channel;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * TLS for a channel over TCP ({@code tls:HOST:PORT}), from PEM files as servers usually keep them: a device's
 * certificate chain and its PKCS#8 private key ({@code openssl genpkey} writes one), and for a driver the
 * certificate(s) it trusts (a private CA, or the device's own), else the JDK's trust store. TLS 1.3 only.
 */
public final class TlsFiles {
    private static final Pattern PEM = Pattern.compile("-----BEGIN ([A-Z ]+)-----([^-]+)-----END \\1-----");

    private TlsFiles() {
    }

    /**
     * The device side's context: {@code chain} (PEM certificates, the device's first) and {@code key} (a PEM
     * {@code PRIVATE KEY}, RSA or EC).
     *
     * @throws IOException naming the file that cannot be read or used
     */
    public static SSLContext server(Path chain, Path key) throws IOException {
        List<Certificate> certs = certificates(chain);
        PrivateKey privateKey = privateKey(key);
        try {
            // the key must be the certificate's: sign something with one, check it with the other
            String algorithm = switch (privateKey.getAlgorithm()) {
                case "EC" -> "SHA256withECDSA";
                case "RSA" -> "SHA256withRSA";
                default -> privateKey.getAlgorithm();
            };
            java.security.Signature sign = java.security.Signature.getInstance(algorithm);
            sign.initSign(privateKey);
            byte[] probe = "vgpio".getBytes(StandardCharsets.US_ASCII);
            sign.update(probe);
            byte[] signature = sign.sign();
            java.security.Signature verify = java.security.Signature.getInstance(algorithm);
            verify.initVerify(certs.getFirst());
            verify.update(probe);
            if (!verify.verify(signature)) {
                throw new IOException("the key " + key + " does not go with the certificate " + chain
                        + " (the first certificate must be the device's own)");
            }
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry("device", privateKey, new char[0], certs.toArray(Certificate[]::new));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(store, new char[0]);
            SSLContext context = SSLContext.getInstance("TLSv1.3");
            context.init(kmf.getKeyManagers(), null, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IOException("the key " + key + " does not go with the certificate " + chain + ": "
                    + e.getMessage(), e);
        }
    }

    /**
     * The driver side's context: trusting the PEM certificates in {@code trusted}, or (null) the JDK's trust store.
     *
     * @throws IOException naming the file that cannot be read
     */
    public static SSLContext client(Path trusted) throws IOException {
        try {
            SSLContext context = SSLContext.getInstance("TLSv1.3");
            if (trusted == null) {
                context.init(null, null, null);
                return context;
            }
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            int i = 0;
            for (Certificate c : certificates(trusted)) {
                store.setCertificateEntry("trusted-" + i++, c);
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(store);
            context.init(null, tmf.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot trust the certificates in " + trusted + ": " + e.getMessage(), e);
        }
    }

    private static List<byte[]> blocks(Path file, String type) throws IOException {
        String text = Files.readString(file, StandardCharsets.US_ASCII);
        List<byte[]> out = new ArrayList<>();
        Matcher m = PEM.matcher(text);
        while (m.find()) {
            if (m.group(1).equals(type)) {
                out.add(Base64.getMimeDecoder().decode(m.group(2)));
            }
        }
        if (out.isEmpty()) {
            throw new IOException(file + " holds no PEM block \"" + type + "\"" + (type.equals("PRIVATE KEY")
                    ? " (convert another key with: openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pk8)" : ""));
        }
        return out;
    }

    private static List<Certificate> certificates(Path file) throws IOException {
        try {
            CertificateFactory f = CertificateFactory.getInstance("X.509");
            List<Certificate> certs = new ArrayList<>();
            for (byte[] der : blocks(file, "CERTIFICATE")) {
                certs.add(f.generateCertificate(new ByteArrayInputStream(der)));
            }
            return certs;
        } catch (GeneralSecurityException e) {
            throw new IOException(file + " holds a certificate that cannot be read: " + e.getMessage(), e);
        }
    }

    private static PrivateKey privateKey(Path file) throws IOException {
        byte[] der = blocks(file, "PRIVATE KEY").getFirst();
        for (String algorithm : List.of("EC", "RSA", "Ed25519")) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                // try the next kind of key
            }
        }
        throw new IOException(file + " holds a private key that is neither EC, RSA nor Ed25519");
    }
}
