import { createRequire } from 'node:module';
import QRCode from 'qrcode';
import type { PublicCertificate } from './certificates.server.ts';
import { NAME_WITHHELD, REVOCATION_REASONS } from './certificates.server.ts';
import { formatDate } from '#app/utils/dates.ts';

const require = createRequire(import.meta.url);
const FONT_REGULAR = require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf');
const FONT_BOLD = require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf');

export function verificationUrl(publicUrl: string, code: string): string {
  return `${publicUrl}/certificates/${code}`;
}

/** The QR code as an SVG string for the verification page (our own markup, safe to inline). */
export async function qrSvg(url: string): Promise<string> {
  return QRCode.toString(url, { type: 'svg', errorCorrectionLevel: 'M', margin: 1, color: { dark: '#000000', light: '#ffffff' } });
}

/**
 * The certificate as an A4 landscape PDF: real text in an embedded font (DejaVu Sans, which
 * covers accented names), the QR code drawn as vector squares, and the verification address.
 * It is a tagged PDF (PDF/UA-style structure, language, title shown in the window bar), so a
 * screen reader reads it in order and the borders are skipped as decoration.
 */
/** What a certificate says about practice after the course, when there is something true to say. */
export function practiceLine(followedUpSteps: number): string | null {
  if (followedUpSteps <= 0) return null;
  return `With ${followedUpSteps === 1 ? '1 classroom action step' : `${followedUpSteps} classroom action steps`} tried and followed up`;
}

export async function certificatePdf(certificate: PublicCertificate, url: string, standards: string[] = [], practice: string | null = null): Promise<Buffer> {
  // Loaded on the first PDF, not at start: pdfkit and its font code are a quarter of the start-up time.
  const { default: PDFDocument } = await import('pdfkit');
  const doc = new PDFDocument({
    size: 'A4',
    layout: 'landscape',
    margin: 56,
    tagged: true,
    lang: 'en-GB',
    displayTitle: true,
    info: { Title: `Certificate: ${certificate.courseTitle}`, Author: certificate.organisationName, Subject: `Certificate ${certificate.code}`, Creator: 'Kindred' },
  });
  doc.registerFont('Regular', FONT_REGULAR);
  doc.registerFont('Bold', FONT_BOLD);
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const finished = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  const documentTag = doc.struct('Document');
  doc.addStructure(documentTag);
  const tagged = (type: 'H1' | 'P' | 'Figure', draw: () => void, alt?: string) => documentTag.add(doc.struct(type, alt ? { alt } : {}, draw));

  const { width, height } = doc.page;
  doc.markContent('Artifact', { type: 'Layout' });
  doc.lineWidth(3).strokeColor('#1d4ed8').rect(24, 24, width - 48, height - 48).stroke();
  doc.lineWidth(1).strokeColor('#93c5fd').rect(32, 32, width - 64, height - 64).stroke();
  doc.endMarkedContent();
  const textWidth = width - 112 - 150;

  tagged('P', () => doc.fillColor('#1d4ed8').font('Bold').fontSize(14).text('KINDRED', 56, 60, { characterSpacing: 2 }));
  tagged('H1', () => doc.fillColor('#111827').font('Bold').fontSize(30).text('Certificate of completion', 56, 96, { width: textWidth }));
  tagged('P', () => {
    doc.font('Regular').fontSize(14).fillColor('#374151').text('This certifies that', 56, 160, { width: textWidth });
    doc.font('Bold').fontSize(26).fillColor('#111827').text(certificate.learnerName ?? NAME_WITHHELD, 56, 184, { width: textWidth });
    doc.font('Regular').fontSize(14).fillColor('#374151').text('has completed the course', { width: textWidth });
    doc.moveDown(0.3);
    doc.font('Bold').fontSize(20).fillColor('#111827').text(certificate.courseTitle, { width: textWidth });
  });
  doc.moveDown(0.8);
  doc.font('Regular').fontSize(13).fillColor('#111827');
  tagged('P', () => doc.text(`CPD hours: ${certificate.cpdHours}`, { width: textWidth }));
  tagged('P', () => doc.text(`Completed on: ${formatDate(certificate.completedAt)}`, { width: textWidth }));
  if (practice) tagged('P', () => doc.text(`${practice}.`, { width: textWidth }));
  tagged('P', () => doc.text(`Issued by: ${certificate.organisationName}`, { width: textWidth }));
  tagged('P', () => doc.text(`Course content version: ${certificate.contentVersion}`, { width: textWidth }));
  if (standards.length > 0) {
    doc.moveDown(0.4);
    tagged('P', () => doc.fontSize(10).fillColor('#374151').text("Supports the Teachers' Standards and ITTECF headings:", { width: textWidth }));
    for (const standard of standards) tagged('P', () => doc.text(standard, { width: textWidth }));
  }

  if (certificate.revokedAt) {
    doc.moveDown(0.6);
    tagged('P', () =>
      doc.font('Bold').fontSize(16).fillColor('#7f1d1d').text(
        `REVOKED on ${formatDate(certificate.revokedAt!)}: ${certificate.revocationReason ? REVOCATION_REASONS[certificate.revocationReason] : 'revoked'}`,
        { width: textWidth },
      ),
    );
  }

  // The QR code, bottom right, drawn module by module so it stays sharp when printed.
  const qr = QRCode.create(url, { errorCorrectionLevel: 'M' });
  const size = qr.modules.size;
  const box = 130;
  const cell = box / size;
  const qrX = width - 56 - box;
  const qrY = height - 56 - box - 40;
  tagged(
    'Figure',
    () => {
      doc.fillColor('#000000');
      for (let row = 0; row < size; row += 1) {
        for (let col = 0; col < size; col += 1) {
          if (qr.modules.get(row, col)) doc.rect(qrX + col * cell, qrY + row * cell, cell, cell).fill();
        }
      }
    },
    `QR code leading to ${url}`,
  );
  tagged('P', () => doc.font('Regular').fontSize(9).fillColor('#374151').text('Scan to verify', qrX, qrY + box + 4, { width: box, align: 'center' }));

  tagged('P', () => doc.font('Regular').fontSize(11).fillColor('#111827').text(`Certificate code: ${certificate.code}`, 56, height - 110, { width: textWidth }));
  tagged('P', () => doc.text(`Check this certificate at ${url}`, 56, height - 92, { width: textWidth, link: url, underline: false }));
  documentTag.end();
  doc.end();
  return finished;
}
