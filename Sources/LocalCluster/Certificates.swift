import Crypto
import Foundation
import NIOSSL
import SwiftASN1
import X509

/// kf-local's own certificate authority and server certificate (ECDSA P-256), generated at first start in `.kf/`:
/// the CA goes into the kubeconfig as certificate-authority-data, so clients verify the server as on any cluster
/// (kubectl sends bearer tokens only over TLS).
struct ServerCertificates {
    let caPEM: String
    let certificatePEM: String
    let keyPEM: String

    static func load(orCreateIn directory: URL) throws -> ServerCertificates {
        let caFile = directory.appendingPathComponent("ca.crt")
        let certificateFile = directory.appendingPathComponent("server.crt")
        let keyFile = directory.appendingPathComponent("server.key")
        if let ca = try? String(contentsOf: caFile, encoding: .utf8),
           let certificate = try? String(contentsOf: certificateFile, encoding: .utf8),
           let key = try? String(contentsOf: keyFile, encoding: .utf8),
           let parsed = try? Certificate(pemEncoded: certificate),
           parsed.notValidAfter > Date().addingTimeInterval(86_400) {
            return ServerCertificates(caPEM: ca, certificatePEM: certificate, keyPEM: key)
        }
        let created = try create()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try LocalCluster.writePrivate(created.caPEM, to: caFile)
        try LocalCluster.writePrivate(created.certificatePEM, to: certificateFile)
        try LocalCluster.writePrivate(created.keyPEM, to: keyFile)
        return created
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
        let serverKey = P256.Signing.PrivateKey()
        let serverName = try DistinguishedName {
            OrganizationName("kf")
            CommonName("kf-local")
        }
        let server = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(serverKey.publicKey),
            notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(2 * 365 * 86_400),
            issuer: caName, subject: serverName, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true, keyEncipherment: true))
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames([
                    .dnsName("localhost"), .dnsName("kf-local"),
                    .ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1])),
                ])
            },
            issuerPrivateKey: .init(caKey))
        return ServerCertificates(caPEM: try ca.serializeAsPEM().pemString,
                                  certificatePEM: try server.serializeAsPEM().pemString,
                                  keyPEM: serverKey.pemRepresentation)
    }

    func tlsConfiguration() throws -> TLSConfiguration {
        let certificate = try NIOSSLCertificate(bytes: Array(certificatePEM.utf8), format: .pem)
        let key = try NIOSSLPrivateKey(bytes: Array(keyPEM.utf8), format: .pem)
        return TLSConfiguration.makeServerConfiguration(certificateChain: [.certificate(certificate)], privateKey: .privateKey(key))
    }
}
