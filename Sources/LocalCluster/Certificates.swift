import Crypto
import Foundation
import NIOSSL
import SwiftASN1
import X509

/// A client certificate and its key (PEM) that kf-local's CA signed: a kubeconfig user with
/// client-certificate-data and client-key-data authenticates with it instead of the bearer token.
public struct ClientCertificate: Sendable, Equatable {
    /// The user the certificate names (its subject's common name).
    public static let userName = "kf-local-admin"
    public let certificatePEM: String
    public let keyPEM: String
}

/// kf-local's own certificate authority, server certificate and admin client certificate (ECDSA P-256), generated
/// at first start in `.kf/`: the CA goes into the kubeconfig as certificate-authority-data, so clients verify the
/// server as on any cluster (kubectl sends bearer tokens only over TLS); the server accepts client certificates
/// that the same CA signed, as an API server given `--client-ca-file` does.
struct ServerCertificates {
    let caPEM: String
    let certificatePEM: String
    let keyPEM: String
    let client: ClientCertificate

    static let fileNames = (ca: "ca.crt", certificate: "server.crt", key: "server.key",
                            clientCertificate: "client.crt", clientKey: "client.key")

    static func load(orCreateIn directory: URL) throws -> ServerCertificates {
        let names = fileNames
        let files = [names.ca, names.certificate, names.key, names.clientCertificate, names.clientKey]
            .map { directory.appendingPathComponent($0) }
        let texts = files.compactMap { try? String(contentsOf: $0, encoding: .utf8) }
        // Kept while all five files are there and both certificates stay valid for another day; otherwise (a
        // state folder from before client certificates, an expiring certificate) everything is issued anew.
        if texts.count == files.count,
           let server = try? Certificate(pemEncoded: texts[1]), server.notValidAfter > Date().addingTimeInterval(86_400),
           let client = try? Certificate(pemEncoded: texts[3]), client.notValidAfter > Date().addingTimeInterval(86_400) {
            return ServerCertificates(caPEM: texts[0], certificatePEM: texts[1], keyPEM: texts[2],
                                      client: ClientCertificate(certificatePEM: texts[3], keyPEM: texts[4]))
        }
        let created = try create()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let contents = [created.caPEM, created.certificatePEM, created.keyPEM, created.client.certificatePEM, created.client.keyPEM]
        for (text, file) in zip(contents, files) { try LocalCluster.writePrivate(text, to: file) }
        return created
    }

    /// The client certificate kept in `directory`, when kf-local has created one there.
    static func clientCertificate(in directory: URL) -> ClientCertificate? {
        guard let certificate = try? String(contentsOf: directory.appendingPathComponent(fileNames.clientCertificate), encoding: .utf8),
              let key = try? String(contentsOf: directory.appendingPathComponent(fileNames.clientKey), encoding: .utf8) else { return nil }
        return ClientCertificate(certificatePEM: certificate, keyPEM: key)
    }

    static func create() throws -> ServerCertificates {
        let now = Date()
        let caKey = P256.Signing.PrivateKey()
        let caName = try DistinguishedName {
            OrganizationName("kf")
            CommonName("kf-local CA")
        }
        let ca = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(caKey.publicKey),
            notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(10 * 365 * 86_400),
            issuer: caName, subject: caName, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(digitalSignature: true, keyCertSign: true, cRLSign: true))
            },
            issuerPrivateKey: .init(caKey))
        /// A two-year certificate for a new key, signed by the CA.
        func leaf(organization: String, commonName: String, extensions: Certificate.Extensions) throws -> (Certificate, P256.Signing.PrivateKey) {
            let key = P256.Signing.PrivateKey()
            let subject = try DistinguishedName {
                OrganizationName(organization)
                CommonName(commonName)
            }
            let certificate = try Certificate(
                version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(key.publicKey),
                notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(2 * 365 * 86_400),
                issuer: caName, subject: subject, signatureAlgorithm: .ecdsaWithSHA256, extensions: extensions,
                issuerPrivateKey: .init(caKey))
            return (certificate, key)
        }
        let (server, serverKey) = try leaf(organization: "kf", commonName: "kf-local", extensions: try Certificate.Extensions {
            Critical(BasicConstraints.notCertificateAuthority)
            Critical(KeyUsage(digitalSignature: true, keyEncipherment: true))
            try ExtendedKeyUsage([.serverAuth])
            SubjectAlternativeNames([
                .dnsName("localhost"), .dnsName("kf-local"),
                .ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1])),
            ])
        })
        // The admin user, in the group an API server gives every permission (kubeadm's admin.conf does the same).
        let (client, clientKey) = try leaf(organization: "system:masters", commonName: ClientCertificate.userName,
                                           extensions: try Certificate.Extensions {
            Critical(BasicConstraints.notCertificateAuthority)
            Critical(KeyUsage(digitalSignature: true, keyEncipherment: true))
            try ExtendedKeyUsage([.clientAuth])
        })
        return ServerCertificates(caPEM: try ca.serializeAsPEM().pemString,
                                  certificatePEM: try server.serializeAsPEM().pemString,
                                  keyPEM: serverKey.pemRepresentation,
                                  client: ClientCertificate(certificatePEM: try client.serializeAsPEM().pemString,
                                                            keyPEM: clientKey.pemRepresentation))
    }

    /// Serves the server certificate and asks for a client certificate without requiring one: a client that
    /// presents one must present one the CA signed (anything else fails the handshake); one that presents none
    /// authenticates with the bearer token.
    func tlsConfiguration() throws -> TLSConfiguration {
        let certificate = try NIOSSLCertificate(bytes: Array(certificatePEM.utf8), format: .pem)
        let key = try NIOSSLPrivateKey(bytes: Array(keyPEM.utf8), format: .pem)
        let ca = try NIOSSLCertificate(bytes: Array(caPEM.utf8), format: .pem)
        var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: [.certificate(certificate)], privateKey: .privateKey(key))
        configuration.certificateVerification = .optionalVerification
        configuration.trustRoots = .certificates([ca])
        configuration.sendCANameList = true
        // On close the server sends close_notify and waits this long for the client's before closing the socket.
        // Idle pooled connections (curl's, kf-local's own agents') never answer until they are reused, so NIO's
        // default 5 s held every stop for 5 s.
        configuration.shutdownTimeout = .milliseconds(200)
        return configuration
    }

    /// The user a verified client certificate names: its subject's common name.
    static func userName(of certificate: NIOSSLCertificate) -> String? {
        guard let bytes = try? certificate.toDERBytes(), let parsed = try? Certificate(derEncoded: bytes) else { return nil }
        for attribute in parsed.subject.flatMap({ $0 }) where attribute.type == .RDNAttributeType.commonName {
            return String(attribute.value)
        }
        return nil
    }
}
